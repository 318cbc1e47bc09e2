// What a delivery of an outcome event does next, from what is stored for its order: the highest
// stage seen, the order's send lease, and this event's record (docs/decisions/0023, 0026). Asked
// only when the one write that claims a first send was refused, so something is in the way.

import { isSuperseded, supersededWhy } from './notification-policy';
import type { OutcomeKind } from './order-outcome';

export type RecordStatus = 'sending' | 'sent' | 'failed' | 'skipped';

export interface OrderMailState {
  /** The highest stage of the order seen (OUTCOME_STAGE). */
  readonly stage: number;
  /** An outcome of the order is being mailed: until when, by the delivery of which event. */
  readonly sendLease?: { readonly until: Date; readonly by: string };
  /** This event's record, if it has one. */
  readonly status?: RecordStatus;
}

export type DeliveryStep =
  /** The event was handled (sent, failed or skipped): nothing to do. */
  | { readonly kind: 'duplicate' }
  /** Another delivery of this event holds the order's lease: it may be sending right now. */
  | { readonly kind: 'busy' }
  /** The order moved past this outcome and no send of it is in progress: record it skipped. */
  | { readonly kind: 'skip'; readonly why: string }
  /** Another outcome of the order is being mailed: raise the stage, look again later. */
  | { readonly kind: 'wait' }
  /** Claimed before, no send in progress (a crash, a transient failure): take it over, send. */
  | { readonly kind: 'take-over' }
  /** Nothing recorded and nothing in the way any more: claim again. */
  | { readonly kind: 'claim' };

export function nextDeliveryStep(
  state: OrderMailState,
  eventId: string,
  kind: OutcomeKind,
  now: Date,
): DeliveryStep {
  if (state.status !== undefined && state.status !== 'sending') return { kind: 'duplicate' };
  const lease = state.sendLease;
  const leaseLive = lease !== undefined && lease.until.getTime() > now.getTime();
  if (leaseLive && lease.by === eventId && state.status === 'sending') return { kind: 'busy' };
  if (isSuperseded(kind, state.stage)) return { kind: 'skip', why: supersededWhy(kind) };
  if (leaseLive) return { kind: 'wait' };
  return state.status === 'sending' ? { kind: 'take-over' } : { kind: 'claim' };
}
