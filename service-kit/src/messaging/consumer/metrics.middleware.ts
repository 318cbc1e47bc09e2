import type { MessagingMetrics } from '../../metrics/messaging-metrics';
import type { Middleware } from './delivery';

/** Counts each delivery by outcome and times the chain inside it. */
export function metrics(m: MessagingMetrics): Middleware {
  return (next) => async (d) => {
    const stop = m.handlerDuration.startTimer();
    let outcome: 'ack' | 'retry' | 'dead' = 'retry';
    try {
      const result = await next(d);
      outcome = result === 'requeue' ? 'retry' : result;
      return result;
    } finally {
      const type = d.event?.type ?? d.routingKey;
      stop({ type });
      m.consumed.inc({ type, outcome });
    }
  };
}
