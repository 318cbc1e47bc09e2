/** Thrown by a handler for a failure no retry can fix: the message goes to the DLQ at once. */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
}

/** The message is not a valid event of the contracts, not one this queue handles, or not
 * published by the service allowed to publish its type. */
export class InvalidMessageError extends PermanentError {
  override readonly name = 'InvalidMessageError';
  constructor(
    message: string,
    readonly reason: 'invalid' | 'unhandled-type' | 'unexpected-source',
  ) {
    super(message);
  }
}
