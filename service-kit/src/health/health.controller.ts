import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { MongoWatchdog } from '../persistence/mongo-watchdog';
import { Lifecycle } from '../shutdown/lifecycle';
import { RabbitMQIndicator } from './rabbitmq.indicator';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongoWatchdog,
    private readonly rabbit: RabbitMQIndicator,
    private readonly lifecycle: Lifecycle,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /**
   * The process runs and its event loop answers. Nothing outside the process counts: an outage
   * of MongoDB or the broker must not restart every pod at once (readiness takes such a pod out
   * of the Service, and the drivers reconnect by themselves).
   */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * What this pod needs to serve its HTTP API: MongoDB, and not shutting down. The broker is
   * not part of it: the outbox keeps accepted events while the broker is away, and the
   * consumers reattach by themselves (`GET /health/broker` shows their state).
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const s = this.indicator.check('lifecycle');
        return this.lifecycle.isShuttingDown ? s.down({ message: 'shutting down' }) : s.up();
      },
      () => {
        const s = this.indicator.check('mongodb');
        return this.mongo.available() ? s.up() : s.down({ message: 'no usable connection' });
      },
    ]);
  }

  /** The broker connection and this pod's consumers: for people and dashboards, not a probe. */
  @Get('broker')
  @HealthCheck()
  broker(): Promise<HealthCheckResult> {
    return this.health.check([() => this.rabbit.check('rabbitmq')]);
  }
}
