import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  MongooseHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { Lifecycle } from '../shutdown/lifecycle';
import { RabbitMQIndicator } from './rabbitmq.indicator';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongooseHealthIndicator,
    private readonly rabbit: RabbitMQIndicator,
    private readonly lifecycle: Lifecycle,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /** The process runs and serves HTTP. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** MongoDB answers, the broker is connected with every consumer attached, not shutting down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const s = this.indicator.check('lifecycle');
        return this.lifecycle.isShuttingDown ? s.down({ message: 'shutting down' }) : s.up();
      },
      () => this.mongo.pingCheck('mongodb', { timeout: 2_000 }),
      () => this.rabbit.check('rabbitmq'),
    ]);
  }
}
