/** Catalog rules: what a product is, and when a change makes a new version. */

export const SKU_PATTERN = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
export const SKU_MAX_LENGTH = 64;
export const NAME_MAX_LENGTH = 200;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export interface ProductDetails {
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly active: boolean;
}

export interface CatalogEntry extends ProductDetails {
  readonly sku: string;
  readonly version: number;
}

export function isValidSku(sku: string): boolean {
  return sku.length >= 1 && sku.length <= SKU_MAX_LENGTH && SKU_PATTERN.test(sku);
}

/** Field problems of a product body, keyed by field name; empty when valid. */
export function productDetailsProblems(details: ProductDetails): Record<string, string> {
  const problems: Record<string, string> = {};
  if (details.name.trim().length < 1 || details.name.length > NAME_MAX_LENGTH) {
    problems['name'] = `must be 1..${NAME_MAX_LENGTH} characters and not blank`;
  }
  if (!Number.isSafeInteger(details.priceMinor) || details.priceMinor < 0) {
    problems['priceMinor'] = 'must be an integer >= 0 (minor units)';
  }
  if (!CURRENCY_PATTERN.test(details.currency)) {
    problems['currency'] = 'must be an ISO 4217 code such as EUR';
  }
  return problems;
}

export type ProductChange =
  | { readonly kind: 'create'; readonly entry: CatalogEntry }
  | { readonly kind: 'update'; readonly entry: CatalogEntry; readonly previousVersion: number }
  | { readonly kind: 'unchanged'; readonly entry: CatalogEntry };

/**
 * A PUT either creates the product at version 1, or bumps the version by one when a field
 * changed. An identical PUT changes nothing and emits nothing, so a retried request is harmless.
 */
export function planProductChange(
  sku: string,
  existing: CatalogEntry | undefined,
  details: ProductDetails,
): ProductChange {
  if (!existing) {
    return { kind: 'create', entry: { sku, ...pick(details), version: 1 } };
  }
  const same =
    existing.name === details.name &&
    existing.priceMinor === details.priceMinor &&
    existing.currency === details.currency &&
    existing.active === details.active;
  if (same) return { kind: 'unchanged', entry: existing };
  return {
    kind: 'update',
    entry: { sku, ...pick(details), version: existing.version + 1 },
    previousVersion: existing.version,
  };
}

function pick(details: ProductDetails): ProductDetails {
  return {
    name: details.name,
    priceMinor: details.priceMinor,
    currency: details.currency,
    active: details.active,
  };
}
