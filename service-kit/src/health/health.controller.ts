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
   * The process runs and serves HTTP, and has not been without MongoDB for longer than
   * `MONGODB_LIVENESS_GRACE_MS` (a process that does not get its connection back is restarted).
   */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const s = this.indicator.check('mongodb');
        const downForMs = this.mongo.downForMs();
        return downForMs > this.mongo.livenessGraceMs
          ? s.down({ message: `unavailable for ${downForMs} ms`, downForMs })
          : s.up();
      },
    ]);
  }

  /** MongoDB is usable, the broker is connected with every consumer attached, not shutting down. */
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
      () => this.rabbit.check('rabbitmq'),
    ]);
  }
}
