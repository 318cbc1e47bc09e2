import type { ProductDoc } from '../persistence/products.repository';

/** What the admin API shows of a product. */
export interface ProductView {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  active: boolean;
  version: number;
  onHand: number;
  reserved: number;
  available: number;
}

export function toProductView(doc: ProductDoc): ProductView {
  return {
    sku: doc._id,
    name: doc.name,
    priceMinor: doc.priceMinor,
    currency: doc.currency,
    active: doc.active,
    version: doc.version,
    onHand: doc.onHand,
    reserved: doc.reserved,
    available: doc.available,
  };
}
