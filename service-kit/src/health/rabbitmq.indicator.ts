import { Inject, Injectable } from '@nestjs/common';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ConsumerHost } from '../messaging/consumer/consumer-host';

/** Up when the connection is open and every consumer queue of this process has its consumer. */
@Injectable()
export class RabbitMQIndicator {
  constructor(
    @Inject(AmqpConnection) private readonly amqp: AmqpConnection,
    private readonly consumers: ConsumerHost,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const session = this.indicator.check(key);
    let connected: boolean;
    try {
      connected = this.amqp.connected;
    } catch {
      connected = false; // not initialised yet
    }
    const detached = this.consumers.status().filter((q) => !q.attached);
    if (!connected) return session.down({ message: 'not connected to the broker' });
    if (detached.length > 0) {
      return session.down({
        message: 'consumer(s) detached',
        queues: detached.map((q) => `${q.queue}: ${q.problem ?? 'detached'}`),
      });
    }
    return session.up();
  }
}
