import type { StockLine } from './order-lines';

/**
 * A hold: units of one SKU taken by one order, recorded on the SKU itself. It is at once the
 * reservation of those units and the marker that tells a re-run the step was already taken.
 * Stored values must be exactly `{ orderId, quantity }` in this key order, because removal is by
 * exact value (`$pullAll`), the only array removal the portable subset allows.
 */
export interface Hold {
  readonly orderId: string;
  readonly quantity: number;
}

export function holdOf(orderId: string, line: StockLine): Hold {
  return { orderId, quantity: line.quantity };
}

export function findHold(holds: readonly Hold[], orderId: string): Hold | undefined {
  return holds.find((hold) => hold.orderId === orderId);
}

/** Units recorded by the holds; equals `reserved` on every consistent SKU. */
export function heldUnits(holds: readonly Hold[]): number {
  return holds.reduce((sum, hold) => sum + hold.quantity, 0);
}

/** What a SKU showed after a hold update matched nothing. */
export interface SkuAfterMissedHold {
  readonly active: boolean;
  readonly available: number;
  readonly holds: readonly Hold[];
}

export type MissedHoldMeaning =
  | { readonly kind: 'already-held' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'short'; readonly available: number };

/**
 * A hold update is guarded (SKU active, enough free, no hold of this order yet). When it matches
 * nothing, the SKU read afterwards says why: this order already holds it (a re-run of a step an
 * earlier run took), the SKU is not sellable, or there is not enough free stock.
 */
export function explainMissedHold(
  sku: SkuAfterMissedHold | undefined,
  orderId: string,
): MissedHoldMeaning {
  if (sku && findHold(sku.holds, orderId)) return { kind: 'already-held' };
  if (!sku || !sku.active) return { kind: 'unknown' };
  return { kind: 'short', available: Math.max(0, sku.available) };
}
