// The order service's own copy of the catalog, fed by `inventory.product-updated.v1`
// (event-carried state transfer). Each product's version grows by one on every change, so the
// copy keeps the highest version it has seen and arrival order does not matter.

export interface CatalogEntry {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  active: boolean;
  version: number;
}

/** Apply an update only when it is newer than what is held; equal versions are duplicates. */
export function isNewerProductVersion(
  held: Pick<CatalogEntry, 'version'> | undefined,
  incoming: Pick<CatalogEntry, 'version'>,
): boolean {
  return held === undefined || incoming.version > held.version;
}
