// Read, decide with the domain, write with a revision guard; on a lost race read and decide
// again. Every saga step and the customer's cancel go through here, so each is one guarded
// single-document update and a duplicate decides "unchanged" the second time. An order that
// leaves PENDING frees its customer's open-order slot (with the customer's next take); an order
// read already past PENDING frees it again (idempotent), which completes a release a crash
// interrupted once an event or a retry reaches the order.
//
// The first decision is made on the copy this process holds, when it holds one (it created or
// last changed the order): the revision guard refuses the write if the copy is out of date,
// which then costs the read it would have saved. Only a write confirms a held copy: when it
// decides to change nothing, the order is read and decided again (docs/decisions/0025).
import { Injectable } from '@nestjs/common';
import { OrderStatus, sagaOutcome, type Order, type Transition } from '../domain/order';
import { OrderMetrics } from '../metrics/order-metrics';
import { OrdersRepository } from '../persistence/orders.repository';
import { OpenOrderSlots } from './open-order-slots';
import { OrderEvents } from './order-events';
import { PendingDueList } from './pending-due-list';

export type TransitionOutcome =
  | { kind: 'not_found' }
  | { kind: 'changed'; order: Order; before: Order }
  | { kind: 'unchanged'; order: Order; why: string }
  | { kind: 'refused'; order: Order; why: string };

const MAX_ATTEMPTS = 5;

export class TransitionContentionError extends Error {}

@Injectable()
export class OrderTransitions {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly events: OrderEvents,
    private readonly metrics: OrderMetrics,
    private readonly pending: PendingDueList,
    private readonly slots: OpenOrderSlots,
  ) {}

  async apply(
    orderId: string,
    decide: (order: Order, now: Date) => Transition,
  ): Promise<TransitionOutcome> {
    let held = this.orders.heldCopy(orderId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = held ?? (await this.orders.findById(orderId));
      if (stored === undefined) {
        this.pending.remove(orderId);
        return { kind: 'not_found' };
      }
      if (held === undefined && stored.order.status !== OrderStatus.Pending) {
        this.pending.remove(orderId);
        await this.slots.releaseQuietly(stored.order.userId, orderId);
      }
      const now = new Date();
      const t = decide(stored.order, now);
      const fromHeldCopy = held !== undefined;
      held = undefined;
      if (t.kind !== 'changed') {
        if (fromHeldCopy) continue;
        return { ...t, order: stored.order };
      }
      const events = this.events.toCloudEvents(t.events, now, stored.correlationId);
      if (!(await this.orders.saveTransition(stored, t.order, events))) continue;
      if (t.order.status !== OrderStatus.Pending) {
        this.pending.remove(orderId);
        if (stored.order.status === OrderStatus.Pending) {
          await this.slots.orderLeftPending(stored.order.userId, orderId);
        }
      }
      if (t.order.status !== stored.order.status) this.metrics.entered(t.order.status);
      const outcome = sagaOutcome(stored.order, t.order);
      if (outcome !== undefined) this.metrics.sagaEnded(outcome, stored.order.createdAt, now);
      return { kind: 'changed', order: t.order, before: stored.order };
    }
    throw new TransitionContentionError(
      `order ${orderId} kept changing under ${MAX_ATTEMPTS} attempts`,
    );
  }
}
