// The kit creates the indexes the schema declares at start, awaited before the app serves,
// rather than Mongoose's autoIndex (which builds them in the background after start and only
// emits an error nobody awaits); this names the model whose schema declares them (none besides
// `_id` today: every read and write finds an order's document by `_id`).
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { IndexesAtStart } from '@eventshop/service-kit';
import type { Model } from 'mongoose';
import {
  ORDER_NOTIFICATIONS_MODEL,
  type OrderNotificationsDocument,
} from './order-notifications.schema';

@Injectable()
export class CreateIndexes extends IndexesAtStart {
  constructor(
    @InjectModel(ORDER_NOTIFICATIONS_MODEL) notifications: Model<OrderNotificationsDocument>,
  ) {
    super([notifications]);
  }
}
