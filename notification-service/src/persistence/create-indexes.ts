// The kit creates the indexes the schema declares at start, awaited before the app serves,
// rather than Mongoose's autoIndex (which builds them in the background after start and only
// emits an error nobody awaits); this names the model whose schema declares them.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { IndexesAtStart } from '@eventshop/service-kit';
import type { Model } from 'mongoose';
import { NOTIFICATION_MODEL, type NotificationRecord } from './notification.schema';

@Injectable()
export class CreateIndexes extends IndexesAtStart {
  constructor(@InjectModel(NOTIFICATION_MODEL) notifications: Model<NotificationRecord>) {
    super([notifications]);
  }
}
