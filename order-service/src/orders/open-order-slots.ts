// The per-customer cap of open (PENDING) orders. A new order takes a slot before it is stored;
// the slot is freed when the order leaves PENDING (confirmed, rejected, cancelled, expired).
//
// An order that leaves PENDING here has its slot freed by the customer's next take on this
// replica, in that same write (docs/decisions/0025): the common customer who orders again pays
// one write per order for the cap instead of two. Until then the slot counts as taken, which
// only matters at the cap, where the repair below frees it. A replica that stops frees what it
// holds back; one that dies leaves it to the repair.
//
// The order and its slot are separate documents, so a crash between their writes can leave a
// slot whose order is no longer PENDING, or was never stored. Such slots are found and freed
// only when a customer is at the cap: the slots are read by `_id`, each order by `_id` (at most
// ORDER_MAX_OPEN_PER_USER reads), never by a scan.
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@eventshop/service-kit';
import type { OrderConfig } from '../config/order-env';
import { OrderStatus } from '../domain/order';
import { OpenOrdersRepository } from '../persistence/open-orders.repository';
import { OrdersRepository } from '../persistence/orders.repository';

/** A slot without an order is an order insert that failed or crashed if it is older than this. */
export const ORPHAN_SLOT_AFTER_MS = 60_000;
/** Slots held back for customers' next takes, at most; beyond, a slot is freed at once. */
const MAX_HELD_BACK = 10_000;

@Injectable()
export class OpenOrderSlots implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OpenOrderSlots.name);
  /** Per customer: orders that left PENDING here whose slot the next take frees. */
  private readonly heldBack = new Map<string, Set<string>>();
  private heldBackCount = 0;

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
    const freeing = [...(this.heldBack.get(userId) ?? [])].filter((id) => id !== orderId);
    const first = await this.slots.take(userId, orderId, this.max, now, freeing);
    this.forget(userId, freeing); // freed in that write, or one by one before it refused
    if (first.kind === 'taken') return true;
    if ((await this.freeStale(userId, first.slots, now)) === 0) return false;
    return (await this.slots.take(userId, orderId, this.max, now)).kind === 'taken';
  }

  /** The order left PENDING here: its slot is freed with the customer's next take. */
  async orderLeftPending(userId: string, orderId: string): Promise<void> {
    if (this.heldBackCount >= MAX_HELD_BACK) return this.releaseQuietly(userId, orderId);
    const orders = this.heldBack.get(userId) ?? new Set<string>();
    if (orders.has(orderId)) return;
    orders.add(orderId);
    this.heldBack.set(userId, orders);
    this.heldBackCount++;
  }

  /** Frees the order's slot; idempotent. */
  async release(userId: string, orderId: string): Promise<void> {
    await this.slots.release(userId, orderId);
  }

  /** As `release`, for paths where the order's own write already succeeded: a failure is left
   * to the repair at the cap rather than failing the caller. A slot held back for the next
   * take is left to it. */
  async releaseQuietly(userId: string, orderId: string): Promise<void> {
    if (this.heldBack.get(userId)?.has(orderId)) return;
    try {
      await this.slots.release(userId, orderId);
    } catch (err) {
      this.logger.warn(
        { orderId, error: err instanceof Error ? err.message : String(err) },
        'could not free an open-order slot; it is freed when the customer next reaches the cap',
      );
    }
  }

  /** Frees every slot held back, so none waits for the repair after this replica stops. */
  async beforeApplicationShutdown(): Promise<void> {
    const heldBack = [...this.heldBack].flatMap(([userId, orders]) =>
      [...orders].map((orderId) => ({ userId, orderId })),
    );
    this.heldBack.clear();
    this.heldBackCount = 0;
    for (const { userId, orderId } of heldBack) await this.releaseQuietly(userId, orderId);
  }

  private forget(userId: string, orderIds: readonly string[]): void {
    const orders = this.heldBack.get(userId);
    if (!orders) return;
    for (const id of orderIds) if (orders.delete(id)) this.heldBackCount--;
    if (orders.size === 0) this.heldBack.delete(userId);
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
