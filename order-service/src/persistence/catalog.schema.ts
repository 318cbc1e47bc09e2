// The catalog copy: `_id` is the SKU, so pricing reads each line by `_id`.
import { Schema } from 'mongoose';
import type { CatalogEntry } from '../domain/catalog';

export const CATALOG_MODEL = 'CatalogProduct';

export interface CatalogDocument extends Omit<CatalogEntry, 'sku'> {
  _id: string;
  updatedAt: Date;
}

export const catalogSchema = new Schema<CatalogDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    priceMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    active: { type: Boolean, required: true },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'catalog', versionKey: false, timestamps: false, autoIndex: false },
);
