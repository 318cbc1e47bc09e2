// Turns the domain's events into CloudEvents through the kit's EventFactory, inside the order's
// saga context: every event of one order carries the correlation id its creation started.
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AnyCloudEvent, EventDataMap } from '@eventshop/events-contracts';
import { currentContext, EventFactory, runWithContext } from '@eventshop/service-kit';
import type { OrderEvent } from '../domain/order';

/** Compile-time check that the domain's event data is what the contracts expect. */
const _sameShape: {
  [E in OrderEvent as E['type']]: (d: E['data']) => EventDataMap[E['type']];
} = {
  'order.created.v1': (d) => d,
  'order.confirmed.v1': (d) => d,
  'order.rejected.v1': (d) => d,
  'order.cancelled.v1': (d) => d,
};
void _sameShape;

@Injectable()
export class OrderEvents {
  constructor(private readonly factory: EventFactory) {}

  /**
   * CloudEvents for `events`, correlated with the saga: `correlationId` is the order's (absent
   * for a new order, which starts its saga with the current request's correlation id).
   */
  toCloudEvents(events: readonly OrderEvent[], now: Date, correlationId?: string): AnyCloudEvent[] {
    const create = () =>
      events.map(
        (event) =>
          this.factory.create(event.type, {
            subject: event.data.orderId,
            data: event.data as EventDataMap[typeof event.type],
            time: now,
          }) as AnyCloudEvent,
      );
    const ctx = currentContext();
    if (correlationId === undefined || ctx?.correlationId === correlationId) return create();
    return runWithContext(
      {
        correlationId,
        ...(ctx?.causationId !== undefined ? { causationId: ctx.causationId } : {}),
        traceId: ctx?.traceId ?? randomBytes(16).toString('hex'),
        spanId: ctx?.spanId ?? randomBytes(8).toString('hex'),
      },
      create,
    );
  }

  /** The correlation id a new order's saga starts with. */
  currentCorrelationId(): string | undefined {
    return currentContext()?.correlationId;
  }
}
