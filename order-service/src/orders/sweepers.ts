// Periodic jobs of this service: the pending-timeout sweeper and the idempotency-key sweeper.
// One pass at a time; stopped before the app closes its connections.
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { OrderServiceConfig } from '../config/order-config';
import { IdempotencyKeysRepository } from '../persistence/idempotency-keys.repository';
import { ExpirePendingOrdersService } from './expire-pending-orders.service';
import { ORDER_CONFIG } from './order-config.token';

@Injectable()
export class Sweepers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Sweepers.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly expirePending: ExpirePendingOrdersService,
    private readonly keys: IdempotencyKeysRepository,
    @Inject(ORDER_CONFIG) private readonly config: Pick<OrderServiceConfig, 'sweepIntervalMs'>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        this.running = this.sweepOnce().finally(() => (this.running = undefined));
      }
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweepOnce(now = new Date()): Promise<void> {
    try {
      await this.expirePending.expireOverdue(now);
      await this.keys.sweepExpired(now);
    } catch (err) {
      // The next pass retries; a database outage must not stop the timer.
      this.logger.warn(`sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
