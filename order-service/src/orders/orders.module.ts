// Wires the order use cases: persistence, HTTP controllers, services, event handlers, sweepers.
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { JwtAuthGuard, jwtVerifierProvider, KIT_CONFIG } from '@eventshop/service-kit';
import type { OrderConfig } from '../config/order-env';
import { CreateOrderAdmissionGuard } from '../http/orders/create-order-admission.guard';
import { CreateOrderRateLimitGuard } from '../http/orders/create-order-rate-limit.guard';
import { ProductUpdatedHandler } from '../messaging/product-updated.handler';
import {
  InventoryReservedHandler,
  ReservationFailedHandler,
} from '../messaging/reservation-outcome.handlers';
import { OrderMetrics } from '../metrics/order-metrics';
import { OrderEvents } from './order-events';
import { MongooseModule } from '@nestjs/mongoose';
import { CancelOrderController } from '../http/orders/cancel-order.controller';
import { CreateOrderController } from '../http/orders/create-order.controller';
import { GetOrderController } from '../http/orders/get-order.controller';
import { ListOrdersController } from '../http/orders/list-orders.controller';
import { CatalogRepository } from '../persistence/catalog.repository';
import { CreateIndexes } from '../persistence/create-indexes';
import { CATALOG_MODEL, catalogSchema } from '../persistence/catalog.schema';
import { IDEMPOTENCY_KEY_MODEL, idempotencyKeySchema } from '../persistence/idempotency-key.schema';
import { IdempotencyKeysRepository } from '../persistence/idempotency-keys.repository';
import { OPEN_ORDERS_MODEL, openOrdersSchema } from '../persistence/open-orders.schema';
import { OpenOrdersRepository } from '../persistence/open-orders.repository';
import { ORDER_MODEL, orderSchema } from '../persistence/order.schema';
import { OrdersRepository } from '../persistence/orders.repository';
import { CancelOrderService } from './cancel-order.service';
import { CreateOrderService } from './create-order.service';
import { OpenOrderSlots } from './open-order-slots';
import { OrderTransitions } from './order-transitions';
import { QueryOrdersService } from './query-orders.service';
import { ExpirePendingOrdersService } from './expire-pending-orders.service';
import { PendingDueList } from './pending-due-list';
import { SagaAdmission } from './saga-admission';
import { Sweepers } from './sweepers';

export const ORDER_MODELS = [
  { name: ORDER_MODEL, schema: orderSchema },
  { name: CATALOG_MODEL, schema: catalogSchema },
  { name: IDEMPOTENCY_KEY_MODEL, schema: idempotencyKeySchema },
  { name: OPEN_ORDERS_MODEL, schema: openOrdersSchema },
];

@Module({
  imports: [
    MongooseModule.forFeature(ORDER_MODELS),
    ThrottlerModule.forRootAsync({
      inject: [KIT_CONFIG],
      useFactory: (config: OrderConfig) => ({
        throttlers: [{ ttl: config.ORDER_RATE_WINDOW, limit: config.ORDER_RATE_LIMIT }],
      }),
    }),
  ],
  controllers: [
    CreateOrderController,
    ListOrdersController,
    GetOrderController,
    CancelOrderController,
  ],
  providers: [
    CreateIndexes,
    jwtVerifierProvider,
    JwtAuthGuard,
    CreateOrderAdmissionGuard,
    CreateOrderRateLimitGuard,
    SagaAdmission,
    OrderMetrics,
    OrderEvents,
    ProductUpdatedHandler,
    InventoryReservedHandler,
    ReservationFailedHandler,
    OrdersRepository,
    CatalogRepository,
    IdempotencyKeysRepository,
    OpenOrdersRepository,
    OpenOrderSlots,
    OrderTransitions,
    CreateOrderService,
    QueryOrdersService,
    CancelOrderService,
    ExpirePendingOrdersService,
    PendingDueList,
    Sweepers,
  ],
  exports: [OrdersRepository, CatalogRepository, IdempotencyKeysRepository, OrderTransitions],
})
export class OrdersModule {}
