// The schemas declare their indexes with `autoIndex: false`: Mongoose would otherwise build them
// in the background after the first use and only emit an error nobody awaits. They are created
// here instead, awaited before the app serves (a failure stops the start with its cause).
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CATALOG_MODEL, type CatalogDocument } from './catalog.schema';
import { IDEMPOTENCY_KEY_MODEL, type IdempotencyKeyDocument } from './idempotency-key.schema';
import { ORDER_MODEL, type OrderDocument } from './order.schema';

/** What is needed of a Mongoose model here. */
interface IndexedModel {
  createIndexes(): Promise<unknown>;
  readonly collection: { readonly name: string };
}

@Injectable()
export class CreateIndexes implements OnModuleInit {
  private readonly logger = new Logger(CreateIndexes.name);
  private readonly models: readonly IndexedModel[];

  constructor(
    @InjectModel(ORDER_MODEL) orders: Model<OrderDocument>,
    @InjectModel(CATALOG_MODEL) catalog: Model<CatalogDocument>,
    @InjectModel(IDEMPOTENCY_KEY_MODEL) keys: Model<IdempotencyKeyDocument>,
  ) {
    this.models = [orders, catalog, keys];
  }

  async onModuleInit(): Promise<void> {
    for (const model of this.models) {
      // createIndexes only adds what is missing; it never drops an index (syncIndexes would).
      await model.createIndexes();
    }
    this.logger.log(`indexes in place on ${this.models.map((m) => m.collection.name).join(', ')}`);
  }
}
