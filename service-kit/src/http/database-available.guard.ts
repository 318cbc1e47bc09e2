import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HealthController } from '../health/health.controller';
import { MetricsController } from '../metrics/metrics.controller';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
} from '../persistence/database-unavailable';
import { MongoWatchdog } from '../persistence/mongo-watchdog';
import { databaseUnavailableProblem } from './problem/problem-details';

/**
 * While the driver knows MongoDB is unavailable, a request of the service's own routes is
 * answered 503 with `Retry-After` at once, instead of waiting for server selection (10 s) and
 * failing as a 500. Health and metrics are answered as always.
 */
@Injectable()
export class DatabaseAvailableGuard implements CanActivate {
  constructor(private readonly mongo: MongoWatchdog) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const controller = context.getClass();
    if (controller === HealthController || controller === MetricsController) return true;
    if (!this.mongo.available()) throw databaseUnavailableProblem();
    return true;
  }
}

export { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable };
