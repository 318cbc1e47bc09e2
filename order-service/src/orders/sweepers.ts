// Periodic jobs of this service: the pending-timeout sweeper and the idempotency-key sweeper.
// One pass at a time; stopped before the app closes its connections.
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectConfig } from '@eventshop/service-kit';
import { sweepIntervalFor, type OrderConfig } from '../config/order-env';
import { IdempotencyKeysRepository } from '../persistence/idempotency-keys.repository';
import { ExpirePendingOrdersService } from './expire-pending-orders.service';

@Injectable()
export class Sweepers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Sweepers.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly expirePending: ExpirePendingOrdersService,
    private readonly keys: IdempotencyKeysRepository,
    @InjectConfig() private readonly config: Pick<OrderConfig, 'ORDER_PENDING_TIMEOUT'>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        this.running = this.sweepOnce().finally(() => (this.running = undefined));
      }
    }, sweepIntervalFor(this.config.ORDER_PENDING_TIMEOUT));
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
