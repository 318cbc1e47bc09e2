// Indexes are created here, awaited before the app serves, rather than by Mongoose's autoIndex
// (which builds them in the background after start and only emits an error nobody awaits).
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Product } from './product.schema';
import { Reservation } from './reservation.schema';
import { StockAdjustment } from './stock-adjustment.schema';

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
    @InjectModel(Product.name) products: Model<Product>,
    @InjectModel(Reservation.name) reservations: Model<Reservation>,
    @InjectModel(StockAdjustment.name) adjustments: Model<StockAdjustment>,
  ) {
    this.models = [products, reservations, adjustments];
  }

  async onModuleInit(): Promise<void> {
    // createIndexes only adds what is missing; it never drops an index (syncIndexes would).
    for (const model of this.models) await model.createIndexes();
    this.logger.log(`indexes in place on ${this.models.map((m) => m.collection.name).join(', ')}`);
  }
}
