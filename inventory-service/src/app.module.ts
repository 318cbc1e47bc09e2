import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import {
  EventShopKitModule,
  JwtAuthGuard,
  jwtVerifierProvider,
  validateAuthEnv,
} from '@eventshop/service-kit';
import { AdjustStockService } from './catalog/adjust-stock.service';
import { AdjustmentReconciler } from './catalog/adjustment-reconciler';
import { PutProductService } from './catalog/put-product.service';
import { inventoryEnv } from './config/inventory-env';
import { ProductsController } from './http/products/products.controller';
import { orderEventsConsumer } from './messaging/order-events.consumer';
import { CommitStockHandler } from './messaging/commit-stock.handler';
import { ReleaseStockHandler } from './messaging/release-stock.handler';
import { ReserveStockHandler } from './messaging/reserve-stock.handler';
import { InventoryMetrics } from './metrics/inventory-metrics';
import { CreateIndexes } from './persistence/create-indexes';
import { MongoReservationStore } from './persistence/mongo-reservation.store';
import { Product, ProductSchema } from './persistence/product.schema';
import { ProductsRepository } from './persistence/products.repository';
import { Reservation, ReservationSchema } from './persistence/reservation.schema';
import { StockAdjustment, StockAdjustmentSchema } from './persistence/stock-adjustment.schema';
import { CommitStockService } from './reservations/commit-stock.service';
import { ReleaseStockService } from './reservations/release-stock.service';
import { ReserveStockService } from './reservations/reserve-stock.service';
import { StrayStockSweeper } from './reservations/stray-stock-sweeper';
import { SwitchableCrashPoints } from './reservations/switchable-crash-points';

@Module({
  imports: [
    EventShopKitModule.forRoot({
      service: 'inventory-service',
      defaultPort: 3001,
      env: inventoryEnv,
      validate: validateAuthEnv,
      consumers: [orderEventsConsumer],
    }),
    MongooseModule.forFeature([
      { name: Product.name, schema: ProductSchema },
      { name: Reservation.name, schema: ReservationSchema },
      { name: StockAdjustment.name, schema: StockAdjustmentSchema },
    ]),
  ],
  controllers: [ProductsController],
  providers: [
    CreateIndexes,
    jwtVerifierProvider,
    JwtAuthGuard,
    ProductsRepository,
    PutProductService,
    AdjustStockService,
    AdjustmentReconciler,
    MongoReservationStore,
    SwitchableCrashPoints,
    StrayStockSweeper,
    {
      provide: ReserveStockService,
      inject: [MongoReservationStore, SwitchableCrashPoints],
      useFactory: (store: MongoReservationStore, crash: SwitchableCrashPoints) =>
        new ReserveStockService(store, crash),
    },
    {
      provide: ReleaseStockService,
      inject: [MongoReservationStore, SwitchableCrashPoints],
      useFactory: (store: MongoReservationStore, crash: SwitchableCrashPoints) =>
        new ReleaseStockService(store, crash),
    },
    {
      provide: CommitStockService,
      inject: [MongoReservationStore, SwitchableCrashPoints],
      useFactory: (store: MongoReservationStore, crash: SwitchableCrashPoints) =>
        new CommitStockService(store, crash),
    },
    InventoryMetrics,
    ReserveStockHandler,
    ReleaseStockHandler,
    CommitStockHandler,
  ],
})
export class AppModule {}
