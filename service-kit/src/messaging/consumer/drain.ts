/**
 * Waits until every delivery in `inFlight` has settled, or `timeoutMs` has passed; true when all
 * did. Deliveries that join the set while it waits are waited for too: a consumer whose cancel
 * the broker has not confirmed in time may still be handed messages, and their handlers must
 * finish (and be acked) before the process closes its connections under them.
 */
export async function drainInFlight(
  inFlight: ReadonlySet<Promise<unknown>>,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
  const waited = new Set<Promise<unknown>>();
  try {
    for (;;) {
      const joined = [...inFlight].filter((run) => !waited.has(run));
      if (joined.length === 0) return true;
      for (const run of joined) waited.add(run);
      const settled = await Promise.race([Promise.allSettled(joined).then(() => true), deadline]);
      if (!settled) return false;
    }
  } finally {
    clearTimeout(timer);
  }
}
