import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';

import { CreateIndexes } from './create-indexes';
import { NotificationRepository } from './notification.repository';
import { NOTIFICATION_MODEL, NotificationSchema } from './notification.schema';

/**
 * The notification records; needs a Mongoose connection from the root module and the kit's
 * GuardedWrites (provided app-wide by EventShopKitModule).
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: NOTIFICATION_MODEL, schema: NotificationSchema }])],
  providers: [CreateIndexes, NotificationRepository],
  exports: [NotificationRepository],
})
export class NotificationPersistenceModule {}
