// What an error says about the database: unreachable (an outage: answer 503 and let the client
// retry) rather than a bug (500).

/** Seconds a client is told to wait when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Driver and Mongoose errors that mean "no usable connection to the server". */
const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True when the error (or one of its causes) is the database being unreachable. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (UNAVAILABLE_ERRORS.has(e.name) || UNAVAILABLE_ERRORS.has(e.constructor.name)) return true;
    // Mongoose buffers commands while disconnected and fails them after bufferTimeoutMS.
    if (/^Operation `[^`]+` buffering timed out/.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}
