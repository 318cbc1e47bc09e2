import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';

import { CreateIndexes } from './create-indexes';
import { NotificationRepository } from './notification.repository';
import { ORDER_NOTIFICATIONS_MODEL, OrderNotificationsSchema } from './order-notifications.schema';

/**
 * The notification records; needs a Mongoose connection from the root module and the kit's
 * GuardedWrites (provided app-wide by EventShopKitModule).
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ORDER_NOTIFICATIONS_MODEL, schema: OrderNotificationsSchema },
    ]),
  ],
  providers: [CreateIndexes, NotificationRepository],
  exports: [NotificationRepository],
})
export class NotificationPersistenceModule {}
