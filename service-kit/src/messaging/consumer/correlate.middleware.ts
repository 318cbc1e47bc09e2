import { contextFrom, runWithContext } from '../../context/context';
import type { Middleware } from './delivery';

/**
 * Runs the rest of the chain inside the event's context: logs carry its correlation id and trace
 * id, and events created by the handler get correlationid, causationid (this event's id) and a
 * traceparent of the same trace.
 */
export function correlate(): Middleware {
  return (next) => async (d) => {
    const e = d.event;
    if (!e) return next(d);
    const ctx = contextFrom({
      correlationId: e.correlationid,
      causationId: e.id,
      traceparent: e.traceparent,
    });
    return runWithContext(ctx, () => next(d));
  };
}
