/**
 * Stock of one SKU. `available` is derived (onHand − reserved); the store keeps it as a field as
 * well because a conditional update can only compare a field with a constant.
 */
export interface StockLevel {
  readonly onHand: number;
  readonly reserved: number;
}

export interface StockFigures extends StockLevel {
  readonly available: number;
}

export const EMPTY_STOCK: StockFigures = { onHand: 0, reserved: 0, available: 0 };

export function availableOf(level: StockLevel): number {
  return level.onHand - level.reserved;
}

export function withAvailable(level: StockLevel): StockFigures {
  return { onHand: level.onHand, reserved: level.reserved, available: availableOf(level) };
}

/** Largest absolute value of one adjustment; keeps sums far inside the safe integer range. */
export const MAX_ADJUSTMENT = 1_000_000_000;

export type AdjustmentDecision =
  | { readonly ok: true; readonly after: StockFigures }
  | { readonly ok: false; readonly reason: 'invalid_delta'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'below_free_stock'; readonly available: number };

/**
 * Restock (delta > 0) or write-off (delta < 0). A write-off may take only what is free: units
 * reserved for orders stay on hand, so onHand never drops below reserved.
 */
export function decideAdjustment(level: StockLevel, delta: number): AdjustmentDecision {
  if (!Number.isSafeInteger(delta) || delta === 0 || Math.abs(delta) > MAX_ADJUSTMENT) {
    return {
      ok: false,
      reason: 'invalid_delta',
      detail: `delta must be a non-zero integer between -${MAX_ADJUSTMENT} and ${MAX_ADJUSTMENT}`,
    };
  }
  const available = availableOf(level);
  if (delta < 0 && -delta > available) {
    return { ok: false, reason: 'below_free_stock', available };
  }
  return {
    ok: true,
    after: withAvailable({ onHand: level.onHand + delta, reserved: level.reserved }),
  };
}

/** Units a write-off guard must find free: the store applies `available >= this` atomically. */
export function requiredFreeFor(delta: number): number {
  return delta < 0 ? -delta : 0;
}

/** The invariant every stored SKU keeps; used by checks and tests. */
export function isConsistent(figures: StockFigures): boolean {
  return (
    figures.reserved >= 0 &&
    figures.available >= 0 &&
    figures.onHand === figures.available + figures.reserved
  );
}
