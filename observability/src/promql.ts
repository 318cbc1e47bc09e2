// Names shared by the dashboards, the alert rules and the check: the scrape jobs and the queue
// naming of the kit (`<service>.<purpose>`, retry tiers `<queue>.retry.<delay>`, `<queue>.dlq`).

/** Scrape job per service: the ServiceMonitors set `job` from the Service's component label. */
export const SERVICES = ['order-service', 'inventory-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Scrape job of the broker's Prometheus plugin (per-object metrics). */
export const RABBITMQ_JOB = 'rabbitmq';

export const SERVICE_JOBS = `job=~"${SERVICES.join('|')}"`;
/**
 * Queues a service consumes from: not a retry tier, a dead-letter queue, or the kit's
 * unroutable queue (`eventshop.unroutable.bounded`, `eventshop.unroutable` before kit 1.5.0:
 * where events no queue was bound to are parked; nobody consumes it).
 */
export const CONSUMED_QUEUES =
  'queue!~".+\\\\.(dlq|retry\\\\..+)|eventshop\\\\.unroutable(\\\\.bounded)?"';
export const DLQ_QUEUES = 'queue=~".+\\\\.dlq"';

/** Grafana's rate window; the check substitutes a fixed window for it. */
export const RATE = '$__rate_interval';
