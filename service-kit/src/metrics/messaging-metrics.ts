import { Inject, Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { KIT_OPTIONS, type KitOptions } from '../kit.options';
import { MetricsService } from './metrics.service';

export type ConsumeOutcome = 'ack' | 'retry' | 'dead';

/** The blueprint's messaging metrics (names and labels are part of the platform's interface). */
@Injectable()
export class MessagingMetrics {
  readonly published: Counter<'type'>;
  readonly unroutable: Counter<'type'>;
  readonly consumed: Counter<'type' | 'outcome'>;
  readonly handlerDuration: Histogram<'type'>;
  readonly outboxPending: Gauge<'service'>;
  readonly outboxPublishLag: Histogram;
  readonly service: string;

  constructor(metrics: MetricsService, @Inject(KIT_OPTIONS) options: KitOptions) {
    this.service = options.service;
    this.published = metrics.counter({
      name: 'eventshop_events_published_total',
      help: 'Events published to the broker and confirmed by it.',
      labelNames: ['type'],
    });
    this.unroutable = metrics.counter({
      name: 'eventshop_events_unroutable_total',
      help: 'Events the broker returned because no queue is bound to their type; parked in eventshop.unroutable.',
      labelNames: ['type'],
    });
    this.consumed = metrics.counter({
      name: 'eventshop_events_consumed_total',
      help: 'Events consumed, by outcome: ack (handled or duplicate), retry (sent to a delay tier), dead (parked in the DLQ).',
      labelNames: ['type', 'outcome'],
    });
    this.handlerDuration = metrics.histogram({
      name: 'eventshop_event_handler_duration_seconds',
      help: 'Time spent in the consumer chain per event, handler included.',
      labelNames: ['type'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.outboxPending = metrics.gauge({
      name: 'eventshop_outbox_pending',
      help: 'Outbox entries this process holds unconfirmed (queued or being published).',
      labelNames: ['service'],
    });
    this.outboxPending.set({ service: this.service }, 0);
    this.outboxPublishLag = metrics.histogram({
      name: 'eventshop_outbox_publish_lag_seconds',
      help: 'From the write of an outbox entry to the broker confirm of its publish.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
  }
}
