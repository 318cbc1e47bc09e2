// The alert rules, one source for the chart's PrometheusRule and the plain rules file a local
// Prometheus loads. Thresholds are budgets: change them here, regenerate, and the promtool tests
// (test/rules/*.yml) say whether each alert still fires on the bad series and stays quiet on
// the good one.
import { CONSUMED_QUEUES, DLQ_QUEUES, SERVICE_JOBS } from './promql';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertRule[];
}

/** Share of failed (5xx) requests a service may answer over 5 minutes. */
export const ERROR_RATIO_BUDGET = 0.01;
/**
 * p99 of order created to confirmed/rejected: well above what a healthy system shows even on a
 * busy two-core machine (a few seconds), well below the pending timeout (15 minutes).
 */
export const SAGA_P99_BUDGET_SECONDS = 30;

const http = 'http_server_request_duration_seconds_count';
const created = 'sum(increase(eventshop_orders_total{status="PENDING"}[15m]))';
const settled = 'sum(increase(eventshop_saga_duration_seconds_count[15m]))';

export const ALERTS: AlertRule[] = [
  {
    alert: 'EventShopServiceDown',
    expr: `up{${SERVICE_JOBS}} == 0`,
    for: '1m',
    labels: { severity: 'critical' },
    annotations: {
      summary: '{{ $labels.job }} is down',
      description:
        'Prometheus has not scraped {{ $labels.job }} ({{ $labels.instance }}) for a minute.',
    },
  },
  {
    alert: 'EventShopHttpErrorRatioHigh',
    expr:
      `sum by (job) (rate(${http}{${SERVICE_JOBS},status_code=~"5.."}[5m]))` +
      ` / sum by (job) (rate(${http}{${SERVICE_JOBS}}[5m])) > ${ERROR_RATIO_BUDGET}`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: '{{ $labels.job }} answers too many 5xx',
      description: `{{ $value | humanizePercentage }} of requests to {{ $labels.job }} failed over 5m (budget ${ERROR_RATIO_BUDGET * 100}%).`,
    },
  },
  {
    alert: 'EventShopDeadLetterQueueNotEmpty',
    expr: `sum by (vhost, queue) (rabbitmq_queue_messages{${DLQ_QUEUES}}) > 0`,
    for: '1m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Messages parked in {{ $labels.queue }}',
      description:
        '{{ $value }} message(s) in {{ $labels.queue }} (vhost {{ $labels.vhost }}): read why from their headers, fix, replay.',
    },
  },
  {
    // The kit publishes `mandatory` only the types the contracts name consumers for, so an
    // unroutable event is a missing binding or a consumer not deployed: a misconfiguration.
    // The second half catches a pod's first one (a counter series that is new has no increase).
    alert: 'EventShopEventsUnroutable',
    expr:
      'sum by (job, type) (increase(eventshop_events_unroutable_total[15m])) > 0' +
      ' or sum by (job, type) (eventshop_events_unroutable_total' +
      ' unless eventshop_events_unroutable_total offset 15m) > 0',
    for: '0m',
    labels: { severity: 'warning' },
    annotations: {
      summary: '{{ $labels.type }} events are routed to no queue',
      description:
        '{{ $labels.job }} published {{ $labels.type }} events no queue is bound to over 15 minutes; they are parked in eventshop.unroutable.bounded. Is a consumer missing or a binding deleted?',
    },
  },
  {
    alert: 'EventShopOutboxBacklogGrowing',
    expr:
      'min by (service) (min_over_time(eventshop_outbox_pending[10m])) > 0' +
      ' and sum by (service) (delta(eventshop_outbox_pending[10m])) > 0',
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'The outbox of {{ $labels.service }} is growing',
      description:
        'Events of {{ $labels.service }} have waited for the broker for 10 minutes and their number grows: is the broker reachable?',
    },
  },
  {
    alert: 'EventShopQueueWithoutConsumer',
    expr: `sum by (vhost, queue) (rabbitmq_queue_consumers{${CONSUMED_QUEUES}}) == 0`,
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Nobody consumes {{ $labels.queue }}',
      description:
        'Queue {{ $labels.queue }} (vhost {{ $labels.vhost }}) has had no consumer for 2 minutes; its messages pile up.',
    },
  },
  {
    alert: 'EventShopSagaP99OverBudget',
    expr:
      'histogram_quantile(0.99, sum by (le) (rate(eventshop_saga_duration_seconds_bucket[10m])))' +
      ` > ${SAGA_P99_BUDGET_SECONDS}`,
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Orders take too long to confirm or reject',
      description: `The saga's p99 is {{ $value | humanizeDuration }} (budget ${SAGA_P99_BUDGET_SECONDS}s).`,
    },
  },
  {
    // Shedding a spike is the design (decision 0038); shedding that lasts means the saga's
    // capacity is below the steady demand.
    alert: 'EventShopOrdersShedForLong',
    expr: 'sum(rate(eventshop_orders_shed_total[5m])) > 0',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'New orders have been refused for 15 minutes',
      description:
        'order-service has answered {{ $value | humanize }} new orders per second with 429 for 15 minutes because sagas take longer than ORDER_MAX_SAGA_DELAY: the saga runs at capacity. Which service or the database is saturated?',
    },
  },
  {
    alert: 'EventShopOrdersStuckPending',
    expr: `${created} >= 5 and ${settled} < 0.5 * ${created}`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Orders stay PENDING',
      description:
        'Fewer than half of the orders created over 15 minutes were confirmed or rejected: is inventory consuming, is order-service receiving its replies?',
    },
  },
];

export const RULE_GROUPS: RuleGroup[] = [{ name: 'eventshop', rules: ALERTS }];
