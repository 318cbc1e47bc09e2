// Indexes are created here, awaited before the app serves, rather than by Mongoose's autoIndex
// (which builds them in the background after start and only emits an error nobody awaits).
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';

import { NOTIFICATION_MODEL, type NotificationRecord } from './notification.schema';

@Injectable()
export class CreateIndexes implements OnModuleInit {
  private readonly logger = new Logger(CreateIndexes.name);

  constructor(@InjectModel(NOTIFICATION_MODEL) private readonly model: Model<NotificationRecord>) {}

  async onModuleInit(): Promise<void> {
    // createIndexes only adds what is missing; it never drops an index (syncIndexes would).
    await this.model.createIndexes();
    this.logger.log(`indexes in place on ${this.model.collection.name}`);
  }
}
