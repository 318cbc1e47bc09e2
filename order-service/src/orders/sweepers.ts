// Periodic jobs of this service: the pending-timeout sweeper and the idempotency-key sweeper.
// One pass at a time; stopped before the app closes its connections.
//
// The key sweep is a `deleteMany` by `expiresAt`: a scan of the whole collection on FerretDB,
// holding the process's only connection meanwhile. Expiry is checked on read, so the sweep only
// reclaims space: it runs at most every 10 minutes, not on every pending-timeout pass.
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

const KEY_SWEEP_EVERY_MS = 10 * 60_000;

@Injectable()
export class Sweepers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Sweepers.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private keysSweptAt = 0;

  constructor(
    private readonly expirePending: ExpirePendingOrdersService,
    private readonly keys: IdempotencyKeysRepository,
    @InjectConfig() private readonly config: Pick<OrderConfig, 'ORDER_PENDING_TIMEOUT'>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        const keys = Date.now() - this.keysSweptAt >= KEY_SWEEP_EVERY_MS;
        this.running = this.sweepOnce(new Date(), { keys }).finally(
          () => (this.running = undefined),
        );
      }
    }, sweepIntervalFor(this.config.ORDER_PENDING_TIMEOUT));
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweepOnce(now = new Date(), options: { keys?: boolean } = {}): Promise<void> {
    try {
      await this.expirePending.expireOverdue(now);
      if (options.keys ?? true) {
        await this.keys.sweepExpired(now);
        this.keysSweptAt = Date.now();
      }
    } catch (err) {
      // The next pass retries; a database outage must not stop the timer.
      this.logger.warn(`sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
