// The kit creates the indexes the schemas declare at start, awaited before the app serves,
// rather than Mongoose's autoIndex (which builds them in the background after start and only
// emits an error nobody awaits); this names the models whose schemas declare them.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { IndexesAtStart } from '@eventshop/service-kit';
import type { Model } from 'mongoose';
import { Product } from './product.schema';
import { Reservation } from './reservation.schema';
import { StockAdjustment } from './stock-adjustment.schema';

@Injectable()
export class CreateIndexes extends IndexesAtStart {
  constructor(
    @InjectModel(Product.name) products: Model<Product>,
    @InjectModel(Reservation.name) reservations: Model<Reservation>,
    @InjectModel(StockAdjustment.name) adjustments: Model<StockAdjustment>,
  ) {
    super([products, reservations, adjustments]);
  }
}
