// The order service's root module.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Registry } from 'prom-client';
import type { OrderServiceConfig } from './config/order-config';
import { JwtAuthGuard } from './http/auth/jwt-auth.guard';
import { JwtVerifier } from './http/auth/jwt-verifier';
import { OrderMetrics } from './metrics/order-metrics';
import { OrdersModule } from './orders/orders.module';
import { NoopOutboxNotifier, OutboxNotifier } from './orders/outbox-notifier';
import { ORDER_CONFIG } from './orders/order-config.token';

export { ORDER_CONFIG };

@Global()
@Module({})
class OrderSupportModule {
  static forRoot(config: OrderServiceConfig, registry: Registry): DynamicModule {
    return {
      module: OrderSupportModule,
      providers: [
        { provide: ORDER_CONFIG, useValue: config },
        { provide: JwtVerifier, useValue: new JwtVerifier(config.auth) },
        { provide: OrderMetrics, useValue: new OrderMetrics(registry) },
        { provide: OutboxNotifier, useClass: NoopOutboxNotifier },
        JwtAuthGuard,
      ],
      exports: [ORDER_CONFIG, JwtVerifier, OrderMetrics, OutboxNotifier, JwtAuthGuard],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: OrderServiceConfig, registry = new Registry()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MongooseModule.forRoot(config.mongodbUri),
        OrderSupportModule.forRoot(config, registry),
        OrdersModule,
      ],
    };
  }
}
