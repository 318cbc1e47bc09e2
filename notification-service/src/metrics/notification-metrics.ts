// eventshop_notifications_total{outcome}: sent, failed, retry, skipped, duplicate. Every label
// value starts at 0, so a rate over it exists before the first event of its kind.
import { Injectable } from '@nestjs/common';
import { MetricsService } from '@eventshop/service-kit';

import {
  NOTIFICATION_OUTCOMES,
  type NotificationMetrics,
  type NotificationOutcome,
} from '../messaging/notification-outcomes';

@Injectable()
export class PromNotificationMetrics implements NotificationMetrics {
  private readonly total;

  constructor(metrics: MetricsService) {
    this.total = metrics.counter({
      name: 'eventshop_notifications_total',
      help: 'Order outcome notifications by outcome (sent, failed, retry, skipped, duplicate).',
      labelNames: ['outcome'],
    });
    for (const outcome of NOTIFICATION_OUTCOMES) this.total.inc({ outcome }, 0);
  }

  record(outcome: NotificationOutcome): void {
    this.total.inc({ outcome });
  }
}
