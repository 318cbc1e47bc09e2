// The order service's own metrics; the kit's registry carries them with the shared ones.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { OrderStatus } from '../domain/order';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export class OrderMetrics {
  private readonly orders: Counter<'status'>;
  private readonly saga: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.orders = new Counter({
      name: 'eventshop_orders_total',
      help: 'Orders that entered each status',
      labelNames: ['status'],
      registers: [registry],
    });
    this.saga = new Histogram({
      name: 'eventshop_saga_duration_seconds',
      help: 'Time from order creation to its confirmation or rejection',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800],
      registers: [registry],
    });
  }

  entered(status: OrderStatus): void {
    this.orders.inc({ status });
  }

  sagaEnded(outcome: 'confirmed' | 'rejected', createdAt: Date, now: Date): void {
    this.saga.observe({ outcome }, Math.max(0, (now.getTime() - createdAt.getTime()) / 1000));
  }
}
