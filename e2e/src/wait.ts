// Polling with a deadline: the saga is asynchronous, so tests wait for a state, never a time.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value other than undefined; after `timeoutMs` throws with
 * `what` and the last value seen (or the last error), so a failure says what was awaited.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  describeLast?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail =
        describeLast?.() ??
        (lastError instanceof Error ? lastError.message : lastError ? String(lastError) : '');
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${detail ? `: ${detail}` : ''}`,
      );
    }
    await sleep(200);
  }
}
