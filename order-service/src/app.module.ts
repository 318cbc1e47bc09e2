// The order service: the kit (config, logs, MongoDB, RabbitMQ, health, metrics, outbox relay,
// consumers, shutdown) plus the order use cases.
import { Module } from '@nestjs/common';
import { EventShopKitModule, validateAuthEnv } from '@eventshop/service-kit';
import { orderEnv } from './config/order-env';
import { ORDER_CONSUMERS } from './messaging/consumers';
import { OrdersModule } from './orders/orders.module';

export const ORDER_SERVICE = 'order-service';

@Module({
  imports: [
    EventShopKitModule.forRoot({
      service: ORDER_SERVICE,
      defaultPort: 3000,
      env: orderEnv,
      validate: validateAuthEnv,
      consumers: ORDER_CONSUMERS,
    }),
    OrdersModule,
  ],
})
export class AppModule {}
