import type { StockLine } from './order-lines';

/** A line that cannot be served, as reported in inventory.reservation-failed.v1. */
export interface ShortLine {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

export type RefusalReason = 'insufficient_stock' | 'unknown_product' | 'order_cancelled';

/** What the decision needs to know of one SKU: is it sellable, and how much is free. */
export interface SkuAvailability {
  readonly active: boolean;
  readonly available: number;
}

export type ReservationDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RefusalReason; readonly shortLines: ShortLine[] };

/**
 * Every line or none. A line the order already holds (taken by this run or an earlier one) is
 * satisfied whatever the SKU shows now; any other line needs an active SKU with enough free
 * units. A missing or inactive SKU counts as available 0 and makes the reason `unknown_product`
 * (it wins over `insufficient_stock`, since waiting for stock would not help).
 */
export function decideReservation(
  lines: readonly StockLine[],
  availability: (sku: string) => SkuAvailability | undefined,
  held: ReadonlySet<string> = new Set(),
): ReservationDecision {
  const shortLines: ShortLine[] = [];
  let unknown = false;
  for (const line of lines) {
    if (held.has(line.sku)) continue;
    const sku = availability(line.sku);
    if (!sku || !sku.active) {
      unknown = true;
      shortLines.push({ sku: line.sku, requested: line.quantity, available: 0 });
    } else if (sku.available < line.quantity) {
      shortLines.push({
        sku: line.sku,
        requested: line.quantity,
        available: Math.max(0, sku.available),
      });
    }
  }
  if (shortLines.length === 0) return { ok: true };
  return { ok: false, reason: unknown ? 'unknown_product' : 'insufficient_stock', shortLines };
}
