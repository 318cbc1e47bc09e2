import type { EventType } from '@eventshop/events-contracts';
import type { Collection } from 'mongoose';
import type { MessagingMetrics } from '../../metrics/messaging-metrics';
import type { Publisher } from '../publisher';
import { awaitDatabase, type AwaitDatabaseOptions } from './await-database.middleware';
import { correlate } from './correlate.middleware';
import { deadLetter } from './dead-letter.middleware';
import { deduplicate } from './deduplicate.middleware';
import type { DeliveryHandler, Middleware } from './delivery';
import { dispatch } from './dispatch';
import type { ConsumerDefinition, EventHandler } from './handler';
import { metrics } from './metrics.middleware';
import { recoverer } from './recoverer.middleware';
import { retry } from './retry.middleware';
import { acceptedSources, validate } from './validate.middleware';

/** Composes middlewares around a handler; the first one listed is the outermost. */
export function compose(handler: DeliveryHandler, ...middlewares: Middleware[]): DeliveryHandler {
  return middlewares.reduceRight((next, mw) => mw(next), handler);
}

export interface ChainDeps {
  readonly handlers: ReadonlyMap<EventType, EventHandler>;
  /** Services allowed to publish each type, when not the contracts' producer. */
  readonly producers?: ConsumerDefinition['producers'];
  readonly publisher: Publisher;
  readonly metrics: MessagingMetrics;
  readonly markers: Collection;
  /** Keep processed-event markers (default true); see `ConsumerDefinition.deduplicate`. */
  readonly deduplicate?: boolean;
  readonly retryDelaysMs: readonly number[];
  readonly publishTimeoutMs: number;
  /** Holds a delivery that failed for want of the database until it is back. */
  readonly database?: AwaitDatabaseOptions;
}

/** The one chain every queue runs, in this order (outermost first). */
export function consumerChain(deps: ChainDeps): DeliveryHandler {
  return compose(
    dispatch(deps.handlers),
    recoverer(), //      nothing escapes; unroutable → back to the queue after a pause
    metrics(deps.metrics), // eventshop_events_consumed_total, handler duration
    deadLetter(deps.publisher, deps.publishTimeoutMs), // invalid / permanent / exhausted → DLQ
    retry(deps.publisher, deps.retryDelaysMs, deps.publishTimeoutMs), // transient → next tier
    ...(deps.database ? [awaitDatabase(deps.database)] : []), // database down → hold, no tier
    validate(acceptedSources(deps.handlers.keys(), deps.producers)), // contracts + source
    correlate(), //      correlation, causation and trace for logs and emitted events
    ...(deps.deduplicate === false ? [] : [deduplicate(deps.markers)]), // marker <queue>:<eventId>
  );
}
