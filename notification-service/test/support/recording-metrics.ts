import type {
  NotificationMetrics,
  NotificationOutcome,
} from '../../src/messaging/notification-outcomes';

/** Counts outcomes in memory, for tests of the use case without the metrics registry. */
export class RecordingMetrics implements NotificationMetrics {
  readonly counts: Partial<Record<NotificationOutcome, number>> = {};
  record(outcome: NotificationOutcome): void {
    this.counts[outcome] = (this.counts[outcome] ?? 0) + 1;
  }
}
