// The order service's own metrics, on the kit's registry (served at /metrics).
import { Injectable } from '@nestjs/common';
import { MetricsService } from '@eventshop/service-kit';
import type { OrderStatus } from '../domain/order';

@Injectable()
export class OrderMetrics {
  private readonly orders: ReturnType<MetricsService['counter']>;
  private readonly saga: ReturnType<MetricsService['histogram']>;
  private readonly expiryFailures: ReturnType<MetricsService['counter']>;
  private readonly shedOrders: ReturnType<MetricsService['counter']>;

  constructor(metrics: MetricsService) {
    this.orders = metrics.counter({
      name: 'eventshop_orders_total',
      help: 'Orders that entered each status',
      labelNames: ['status'],
    });
    this.saga = metrics.histogram({
      name: 'eventshop_saga_duration_seconds',
      help: 'Time from order creation to its confirmation or rejection',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800],
    });
    this.expiryFailures = metrics.counter({
      name: 'eventshop_order_expiry_failures_total',
      help: 'Overdue PENDING orders the timeout sweep could not expire (retried next pass)',
    });
    this.expiryFailures.inc(0);
    this.shedOrders = metrics.counter({
      name: 'eventshop_orders_shed_total',
      help: 'POST /orders refused (429) because sagas took longer than ORDER_MAX_SAGA_DELAY',
    });
    this.shedOrders.inc(0);
  }

  shed(): void {
    this.shedOrders.inc();
  }

  expiryFailed(): void {
    this.expiryFailures.inc();
  }

  entered(status: OrderStatus): void {
    this.orders.inc({ status });
  }

  sagaEnded(outcome: 'confirmed' | 'rejected', createdAt: Date, now: Date): void {
    this.saga.observe({ outcome }, Math.max(0, (now.getTime() - createdAt.getTime()) / 1000));
  }
}
