// The per-customer cap of open (PENDING) orders. A new order takes a slot before it is stored;
// the slot is freed when the order leaves PENDING (confirmed, rejected, cancelled, expired).
//
// The two writes (order, slot) are separate documents, so a crash between them can leave a slot
// whose order is no longer PENDING, or was never stored. Such slots are found and freed only
// when a customer is at the cap: the slots are read by `_id`, each order by `_id` (at most
// ORDER_MAX_OPEN_PER_USER reads), never by a scan.
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '@eventshop/service-kit';
import type { OrderConfig } from '../config/order-env';
import { OrderStatus } from '../domain/order';
import { OpenOrdersRepository } from '../persistence/open-orders.repository';
import { OrdersRepository } from '../persistence/orders.repository';

/** A slot without an order is an order insert that failed or crashed if it is older than this. */
export const ORPHAN_SLOT_AFTER_MS = 60_000;

@Injectable()
export class OpenOrderSlots {
  private readonly logger = new Logger(OpenOrderSlots.name);

  constructor(
    private readonly slots: OpenOrdersRepository,
    private readonly orders: OrdersRepository,
    @InjectConfig() private readonly config: Pick<OrderConfig, 'ORDER_MAX_OPEN_PER_USER'>,
  ) {}

  get max(): number {
    return this.config.ORDER_MAX_OPEN_PER_USER;
  }

  /** Takes a slot for the order; false when the customer has the maximum of open orders. */
  async take(userId: string, orderId: string, now = new Date()): Promise<boolean> {
    const first = await this.slots.take(userId, orderId, this.max, now);
    if (first.kind === 'taken') return true;
    if ((await this.freeStale(userId, first.slots, now)) === 0) return false;
    return (await this.slots.take(userId, orderId, this.max, now)).kind === 'taken';
  }

  /** Frees the order's slot; idempotent. */
  async release(userId: string, orderId: string): Promise<void> {
    await this.slots.release(userId, orderId);
  }

  /** As `release`, for paths where the order's own write already succeeded: a failure is left
   * to the repair at the cap rather than failing the caller. */
  async releaseQuietly(userId: string, orderId: string): Promise<void> {
    try {
      await this.slots.release(userId, orderId);
    } catch (err) {
      this.logger.warn(
        { orderId, error: err instanceof Error ? err.message : String(err) },
        'could not free an open-order slot; it is freed when the customer next reaches the cap',
      );
    }
  }

  private async freeStale(userId: string, held: Map<string, Date>, now: Date): Promise<number> {
    let freed = 0;
    for (const [orderId, takenAt] of held) {
      const stored = await this.orders.findById(orderId);
      const stale =
        stored === undefined
          ? now.getTime() - takenAt.getTime() > ORPHAN_SLOT_AFTER_MS
          : stored.order.status !== OrderStatus.Pending;
      if (stale && (await this.slots.release(userId, orderId))) freed++;
    }
    if (freed > 0) this.logger.warn(`freed ${freed} stale open-order slot(s) of a customer`);
    return freed;
  }
}
