/** A line of an order as inventory sees it: which SKU and how many units. */
export interface StockLine {
  readonly sku: string;
  readonly quantity: number;
}

/**
 * One line per SKU, quantities summed, sorted by SKU.
 *
 * A SKU document holds at most one hold per order, so an order that names a SKU twice must ask
 * for the sum once. Sorting makes the steps of every run of the same order identical, which is
 * what lets a re-run recognise the steps an earlier run already took.
 */
export function normalizeLines(lines: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) {
      throw new RangeError(`quantity of ${line.sku} must be a positive integer`);
    }
    totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}
