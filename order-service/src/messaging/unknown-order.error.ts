import { PermanentError } from '@eventshop/service-kit';

/**
 * An inventory answer for an order this service never stored. No retry can fix it: it is parked
 * in the dead-letter queue for a person to look at.
 */
export class UnknownOrderError extends PermanentError {
  constructor(orderId: string, type: string) {
    super(`${type} for unknown order ${orderId}`);
  }
}
