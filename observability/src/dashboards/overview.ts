// "EventShop overview": the saga end to end, HTTP RED per service and route, events, outbox,
// the broker's queues, and whether each service is up and ready.
import { CONSUMED_QUEUES, DLQ_QUEUES, RABBITMQ_JOB, RATE, SERVICE_JOBS } from '../promql';
import { q, type DashboardSpec } from './panels';

const http = 'http_server_request_duration_seconds';
const quantiles = [0.5, 0.95, 0.99] as const;

/** Ratio of matching requests, or 0 where a route has had none (so the panel is never empty). */
export function requestRatio(statusRegex: string, by: string, selector = SERVICE_JOBS): string {
  const all = `sum by (${by}) (rate(${http}_count{${selector}}[${RATE}]))`;
  const some = `sum by (${by}) (rate(${http}_count{${selector},status_code=~"${statusRegex}"}[${RATE}]))`;
  return `${some} / ${all} or ${all} * 0`;
}

export const overview: DashboardSpec = {
  uid: 'eventshop-overview',
  title: 'EventShop overview',
  description: 'Orders, saga, HTTP, events, outbox and broker queues of the whole platform.',
  tags: ['eventshop'],
  rows: [
    {
      title: 'Orders and saga',
      panels: [
        {
          title: 'Orders per minute by status',
          description: 'Orders entering each status (eventshop_orders_total), per minute.',
          unit: 'short',
          queries: [
            q(`sum by (status) (rate(eventshop_orders_total[${RATE}])) * 60`, '{{status}}'),
          ],
        },
        {
          title: 'Orders shed per minute',
          description:
            'New orders refused with 429 while sagas take longer than ORDER_MAX_SAGA_DELAY (eventshop_orders_shed_total), per minute.',
          unit: 'short',
          queries: [q(`sum(rate(eventshop_orders_shed_total[${RATE}])) * 60`, 'shed')],
        },
        {
          title: 'Saga duration by outcome (p50, p95, p99)',
          description: 'Order created to confirmed or rejected (eventshop_saga_duration_seconds).',
          unit: 's',
          queries: quantiles.map((p) =>
            q(
              `histogram_quantile(${p}, sum by (le, outcome) (rate(eventshop_saga_duration_seconds_bucket[${RATE}])))`,
              `p${p * 100} {{outcome}}`,
            ),
          ),
        },
      ],
    },
    {
      title: 'HTTP per service and route',
      perLine: 3,
      panels: [
        {
          title: 'Request rate',
          description: 'Requests per second by service and route.',
          unit: 'reqps',
          queries: [
            q(
              `sum by (job, route) (rate(${http}_count{${SERVICE_JOBS}}[${RATE}]))`,
              '{{job}} {{route}}',
            ),
          ],
        },
        {
          title: 'Errors (share of requests)',
          description:
            'Share of requests answered 5xx (server) and 4xx (client) by service and route.',
          unit: 'percentunit',
          queries: [
            q(requestRatio('5..', 'job, route'), '5xx {{job}} {{route}}'),
            q(requestRatio('4..', 'job, route'), '4xx {{job}} {{route}}'),
          ],
        },
        {
          title: 'Duration p95',
          description: '95th percentile of request duration by service and route.',
          unit: 's',
          queries: [
            q(
              `histogram_quantile(0.95, sum by (le, job, route) (rate(${http}_bucket{${SERVICE_JOBS}}[${RATE}])))`,
              '{{job}} {{route}}',
            ),
          ],
        },
      ],
    },
    {
      title: 'Events and outbox',
      perLine: 2,
      panels: [
        {
          title: 'Events published per type',
          description:
            'Events confirmed by the broker, per second (eventshop_events_published_total).',
          unit: 'ops',
          queries: [
            q(
              `sum by (job, type) (rate(eventshop_events_published_total[${RATE}]))`,
              '{{job}} {{type}}',
            ),
          ],
        },
        {
          title: 'Events consumed per type and outcome',
          description:
            'Handled events per second by outcome: ack, retry or dead (parked in the DLQ).',
          unit: 'ops',
          queries: [
            q(
              `sum by (job, type, outcome) (rate(eventshop_events_consumed_total[${RATE}]))`,
              '{{job}} {{type}} {{outcome}}',
            ),
          ],
        },
        {
          title: 'Outbox pending',
          description:
            'Events written with their state change and not yet confirmed by the broker.',
          unit: 'short',
          queries: [q('sum by (service) (eventshop_outbox_pending)', '{{service}}')],
        },
        {
          title: 'Outbox publish lag (p50, p95, p99)',
          description: 'From the write of an event to the broker confirm of its publish.',
          unit: 's',
          queries: quantiles.map((p) =>
            q(
              `histogram_quantile(${p}, sum by (le) (rate(eventshop_outbox_publish_lag_seconds_bucket[${RATE}])))`,
              `p${p * 100}`,
            ),
          ),
        },
      ],
    },
    {
      title: 'RabbitMQ queues',
      perLine: 2,
      panels: [
        {
          title: 'Queue depth: ready',
          description: 'Messages waiting for a consumer on each consumed queue.',
          unit: 'short',
          queries: [
            q(`sum by (queue) (rabbitmq_queue_messages_ready{${CONSUMED_QUEUES}})`, '{{queue}}'),
          ],
        },
        {
          title: 'Queue depth: unacknowledged',
          description: 'Messages delivered and not yet acknowledged, per consumed queue.',
          unit: 'short',
          queries: [
            q(`sum by (queue) (rabbitmq_queue_messages_unacked{${CONSUMED_QUEUES}})`, '{{queue}}'),
          ],
        },
        {
          title: 'Dead-letter queues',
          description: 'Messages parked in `<queue>.dlq`: each needs a look and a replay.',
          unit: 'short',
          queries: [q(`sum by (queue) (rabbitmq_queue_messages{${DLQ_QUEUES}})`, '{{queue}}')],
        },
        {
          title: 'Consumers per queue',
          description: 'A consumed queue with no consumer piles up messages.',
          unit: 'short',
          queries: [
            q(`sum by (queue) (rabbitmq_queue_consumers{${CONSUMED_QUEUES}})`, '{{queue}}'),
          ],
        },
      ],
    },
    {
      title: 'Up and ready',
      perLine: 2,
      panels: [
        {
          title: 'Up (scraped)',
          description: 'Whether Prometheus reaches each service and the broker.',
          unit: 'short',
          kind: 'stat',
          queries: [
            q(`sum by (job) (up{${SERVICE_JOBS}})`, '{{job}}'),
            q(`sum by (job) (up{job="${RABBITMQ_JOB}"})`, '{{job}}'),
          ],
        },
        {
          title: 'Ready (readiness probes answered 200)',
          description:
            'Share of GET /health/ready answered 200 (MongoDB reachable, not shutting down); the kubelet probes it.',
          unit: 'percentunit',
          kind: 'stat',
          queries: [
            q(
              `sum by (job) (rate(${http}_count{${SERVICE_JOBS},route="/health/ready",status_code="200"}[${RATE}])) / sum by (job) (rate(${http}_count{${SERVICE_JOBS},route="/health/ready"}[${RATE}]))`,
              '{{job}}',
            ),
          ],
        },
      ],
    },
  ],
};
