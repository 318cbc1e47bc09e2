// The outcomes counted by `eventshop_notifications_total{outcome}`.
export const NOTIFICATION_OUTCOMES = ['sent', 'failed', 'retry', 'skipped', 'duplicate'] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

/** Counts notification outcomes; implemented over the service's metrics registry. */
export interface NotificationMetrics {
  record(outcome: NotificationOutcome): void;
}

export const NOTIFICATION_METRICS = Symbol('NotificationMetrics');
export const MAIL_SENDER = Symbol('MailSender');
export const NOTIFY_OPTIONS = Symbol('NotifyOptions');

export interface NotifyOptions {
  /** How long a claimed send holds off other deliveries of the same event. */
  readonly leaseMs: number;
}
