import { Logger } from '@nestjs/common';
import type { Collection } from 'mongoose';
import type { Middleware } from './delivery';

export const PROCESSED_EVENTS_COLLECTION = 'processed_events';

export interface ProcessedMarker {
  _id: string;
  queue: string;
  eventId: string;
  type: string;
  processedAt: Date;
}

export const markerId = (queue: string, eventId: string): string => `${queue}:${eventId}`;

/**
 * Skips an event this queue already handled. The marker `_id` is `<queue>:<eventId>` (an `_id`
 * lookup is the only query FerretDB does not scan for). It is written after the handler returned,
 * so after the handler's own write: a crash between the two replays the event, which is why
 * handlers must be idempotent themselves — the marker is the fast path, not the guarantee.
 *
 * Only a first delivery is skipped (attempt 1, not redelivered by the broker). A retry tier's
 * delivery or a redelivery means a run of this copy was interrupted; another copy's marker does
 * not prove that run's leftovers were repaired, so it runs again (decision 0022).
 */
export function deduplicate(markers: Collection, log = new Logger('Consumer')): Middleware {
  return (next) => async (d) => {
    const e = d.event;
    if (!e) return next(d);
    const id = markerId(d.queue, e.id);
    const firstDelivery = d.attempt === 1 && !d.message.fields.redelivered;
    if (firstDelivery && (await markers.findOne({ _id: id } as never))) {
      log.log(`${d.queue}: ${e.type} ${e.id} already processed, skipping`);
      return 'ack';
    }
    const outcome = await next(d);
    if (outcome === 'ack') {
      const marker: ProcessedMarker = {
        _id: id,
        queue: d.queue,
        eventId: e.id,
        type: e.type,
        processedAt: new Date(),
      };
      try {
        await markers.insertOne(marker as never);
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
    return outcome;
  };
}
