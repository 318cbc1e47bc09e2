// The schemas declare their indexes with `autoIndex: false`: Mongoose would otherwise build them
// in the background after the first use and only emit an error nobody awaits. The kit creates
// them at start instead, awaited before the app serves (a failure stops the start with its
// cause); this names the models whose schemas declare them.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { IndexesAtStart } from '@eventshop/service-kit';
import type { Model } from 'mongoose';
import { CATALOG_MODEL, type CatalogDocument } from './catalog.schema';
import { IDEMPOTENCY_KEY_MODEL, type IdempotencyKeyDocument } from './idempotency-key.schema';
import { ORDER_MODEL, type OrderDocument } from './order.schema';

@Injectable()
export class CreateIndexes extends IndexesAtStart {
  constructor(
    @InjectModel(ORDER_MODEL) orders: Model<OrderDocument>,
    @InjectModel(CATALOG_MODEL) catalog: Model<CatalogDocument>,
    @InjectModel(IDEMPOTENCY_KEY_MODEL) keys: Model<IdempotencyKeyDocument>,
  ) {
    super([orders, catalog, keys]);
  }
}
