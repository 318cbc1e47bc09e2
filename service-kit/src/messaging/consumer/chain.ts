import type { EventType } from '@eventshop/events-contracts';
import type { Collection } from 'mongoose';
import type { MessagingMetrics } from '../../metrics/messaging-metrics';
import type { Publisher } from '../publisher';
import { correlate } from './correlate.middleware';
import { deadLetter } from './dead-letter.middleware';
import { deduplicate } from './deduplicate.middleware';
import type { DeliveryHandler, Middleware } from './delivery';
import { dispatch } from './dispatch';
import type { EventHandler } from './handler';
import { metrics } from './metrics.middleware';
import { recoverer } from './recoverer.middleware';
import { retry } from './retry.middleware';
import { validate } from './validate.middleware';

/** Composes middlewares around a handler; the first one listed is the outermost. */
export function compose(handler: DeliveryHandler, ...middlewares: Middleware[]): DeliveryHandler {
  return middlewares.reduceRight((next, mw) => mw(next), handler);
}

export interface ChainDeps {
  readonly handlers: ReadonlyMap<EventType, EventHandler>;
  readonly publisher: Publisher;
  readonly metrics: MessagingMetrics;
  readonly markers: Collection;
  readonly retryDelaysMs: readonly number[];
  readonly publishTimeoutMs: number;
}

/** The one chain every queue runs, in this order (outermost first). */
export function consumerChain(deps: ChainDeps): DeliveryHandler {
  return compose(
    dispatch(deps.handlers),
    recoverer(), //      nothing escapes; unroutable → back to the queue after a pause
    metrics(deps.metrics), // eventshop_events_consumed_total, handler duration
    deadLetter(deps.publisher, deps.publishTimeoutMs), // invalid / permanent / exhausted → DLQ
    retry(deps.publisher, deps.retryDelaysMs, deps.publishTimeoutMs), // transient → next tier
    validate(new Set(deps.handlers.keys())), // envelope + data against the contracts
    correlate(), //      correlation, causation and trace for logs and emitted events
    deduplicate(deps.markers), // processed-event marker <queue>:<eventId>
  );
}
