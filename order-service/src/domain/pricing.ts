// Prices the requested lines from the catalog copy, never from the client. One currency per
// order; money in integer minor units.
import type { CatalogEntry } from './catalog';
import type { OrderLine } from './order';

export interface RequestedItem {
  sku: string;
  quantity: number;
}

export type UnpriceableReason = 'unknown' | 'inactive';

export type PricingResult =
  | { ok: true; currency: string; totalMinor: number; lines: OrderLine[] }
  | { ok: false; error: PricingError };

export type PricingError =
  /** Every SKU that cannot be sold, each with why. */
  | { code: 'unpriceable'; skus: { sku: string; reason: UnpriceableReason }[] }
  | { code: 'mixed_currency'; currencies: string[] }
  | { code: 'total_too_large' };

export function priceItems(
  items: readonly RequestedItem[],
  lookup: (sku: string) => CatalogEntry | undefined,
): PricingResult {
  const unpriceable: { sku: string; reason: UnpriceableReason }[] = [];
  const lines: OrderLine[] = [];
  const currencies = new Set<string>();
  for (const item of items) {
    const entry = lookup(item.sku);
    if (entry === undefined) {
      unpriceable.push({ sku: item.sku, reason: 'unknown' });
      continue;
    }
    if (!entry.active) {
      unpriceable.push({ sku: item.sku, reason: 'inactive' });
      continue;
    }
    currencies.add(entry.currency);
    lines.push({ sku: item.sku, quantity: item.quantity, unitPriceMinor: entry.priceMinor });
  }
  if (unpriceable.length > 0)
    return { ok: false, error: { code: 'unpriceable', skus: unpriceable } };
  if (currencies.size !== 1) {
    return { ok: false, error: { code: 'mixed_currency', currencies: [...currencies].sort() } };
  }
  let totalMinor = 0;
  for (const line of lines) {
    totalMinor += line.unitPriceMinor * line.quantity;
    if (!Number.isSafeInteger(totalMinor)) return { ok: false, error: { code: 'total_too_large' } };
  }
  const [currency] = currencies;
  return { ok: true, currency: currency as string, totalMinor, lines };
}
