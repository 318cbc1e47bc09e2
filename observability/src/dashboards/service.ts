// One dashboard per service: its RED metrics, its own business and messaging metrics, and the
// Node runtime (event loop lag, heap, GC, CPU).
import { RATE, type ServiceName } from '../promql';
import { requestRatio } from './overview';
import { q, type DashboardSpec, type PanelSpec, type RowSpec } from './panels';

const http = 'http_server_request_duration_seconds';

function red(job: string): RowSpec {
  const sel = `job="${job}"`;
  return {
    title: 'Requests (rate, errors, duration)',
    perLine: 3,
    panels: [
      {
        title: 'Request rate by route',
        description: 'Requests per second by route and status code.',
        unit: 'reqps',
        queries: [
          q(
            `sum by (route, status_code) (rate(${http}_count{${sel}}[${RATE}]))`,
            '{{route}} {{status_code}}',
          ),
        ],
      },
      {
        title: 'Errors by route (share of requests)',
        description: 'Share of requests answered 5xx and 4xx, by route.',
        unit: 'percentunit',
        queries: [
          q(requestRatio('5..', 'route', sel), '5xx {{route}}'),
          q(requestRatio('4..', 'route', sel), '4xx {{route}}'),
        ],
      },
      {
        title: 'Duration by route (p50, p95, p99)',
        description: 'Request duration quantiles by route.',
        unit: 's',
        queries: [0.5, 0.95, 0.99].map((p) =>
          q(
            `histogram_quantile(${p}, sum by (le, route) (rate(${http}_bucket{${sel}}[${RATE}])))`,
            `p${p * 100} {{route}}`,
          ),
        ),
      },
    ],
  };
}

function messaging(job: string, publishes: boolean): RowSpec {
  const sel = `job="${job}"`;
  const panels: PanelSpec[] = [
    {
      title: 'Events consumed by type and outcome',
      description: 'ack, retry (to a delay tier) or dead (parked in the DLQ), per second.',
      unit: 'ops',
      queries: [
        q(
          `sum by (type, outcome) (rate(eventshop_events_consumed_total{${sel}}[${RATE}]))`,
          '{{type}} {{outcome}}',
        ),
      ],
    },
    {
      title: 'Event handler duration p95 by type',
      description: 'Time spent in the handler of each consumed event type.',
      unit: 's',
      queries: [
        q(
          `histogram_quantile(0.95, sum by (le, type) (rate(eventshop_event_handler_duration_seconds_bucket{${sel}}[${RATE}])))`,
          '{{type}}',
        ),
      ],
    },
  ];
  if (publishes) {
    panels.push(
      {
        title: 'Events published by type',
        description: 'Events confirmed by the broker, per second.',
        unit: 'ops',
        queries: [
          q(`sum by (type) (rate(eventshop_events_published_total{${sel}}[${RATE}]))`, '{{type}}'),
        ],
      },
      {
        title: 'Outbox pending',
        description: 'Events written with their state change and not yet confirmed by the broker.',
        unit: 'short',
        queries: [q(`sum (eventshop_outbox_pending{${sel}})`, 'pending')],
      },
      {
        title: 'Outbox publish lag (p50, p95, p99)',
        description: 'From the write of an event to the broker confirm of its publish.',
        unit: 's',
        queries: [0.5, 0.95, 0.99].map((p) =>
          q(
            `histogram_quantile(${p}, sum by (le) (rate(eventshop_outbox_publish_lag_seconds_bucket{${sel}}[${RATE}])))`,
            `p${p * 100}`,
          ),
        ),
      },
    );
  }
  return { title: 'Events', perLine: 2, panels };
}

function runtime(job: string): RowSpec {
  const sel = `job="${job}"`;
  return {
    title: 'Node runtime',
    perLine: 2,
    panels: [
      {
        title: 'Event loop lag',
        description: 'p50 and p99 event loop delay, per instance.',
        unit: 's',
        queries: [
          q(`nodejs_eventloop_lag_p50_seconds{${sel}}`, 'p50 {{instance}}'),
          q(`nodejs_eventloop_lag_p99_seconds{${sel}}`, 'p99 {{instance}}'),
        ],
      },
      {
        title: 'Heap',
        description: 'V8 heap used and total, and resident memory, per instance.',
        unit: 'bytes',
        queries: [
          q(`nodejs_heap_size_used_bytes{${sel}}`, 'heap used {{instance}}'),
          q(`nodejs_heap_size_total_bytes{${sel}}`, 'heap total {{instance}}'),
          q(`process_resident_memory_bytes{${sel}}`, 'rss {{instance}}'),
        ],
      },
      {
        title: 'Garbage collection (time per second by kind)',
        description: 'Share of wall time spent in GC, by GC kind.',
        unit: 'percentunit',
        queries: [
          q(`sum by (kind) (rate(nodejs_gc_duration_seconds_sum{${sel}}[${RATE}]))`, '{{kind}}'),
        ],
      },
      {
        title: 'CPU',
        description: 'CPU seconds per second (1 = one core), per instance.',
        unit: 'short',
        queries: [q(`rate(process_cpu_seconds_total{${sel}}[${RATE}])`, '{{instance}}')],
      },
    ],
  };
}

function business(service: ServiceName): RowSpec {
  switch (service) {
    case 'order-service':
      return {
        title: 'Orders and saga',
        perLine: 2,
        panels: [
          {
            title: 'Orders per minute by status',
            description: 'Orders entering each status, per minute.',
            unit: 'short',
            queries: [
              q(`sum by (status) (rate(eventshop_orders_total[${RATE}])) * 60`, '{{status}}'),
            ],
          },
          {
            title: 'Saga duration p95 by outcome',
            description: 'Order created to confirmed or rejected.',
            unit: 's',
            queries: [
              q(
                `histogram_quantile(0.95, sum by (le, outcome) (rate(eventshop_saga_duration_seconds_bucket[${RATE}])))`,
                '{{outcome}}',
              ),
            ],
          },
        ],
      };
    case 'inventory-service':
      return {
        title: 'Reservations and stock',
        perLine: 2,
        panels: [
          {
            title: 'Reservations per minute by outcome',
            description:
              'reserved, insufficient_stock, unknown_product, order_cancelled, released.',
            unit: 'short',
            queries: [
              q(
                `sum by (outcome) (rate(eventshop_reservations_total[${RATE}])) * 60`,
                '{{outcome}}',
              ),
            ],
          },
          {
            title: 'Available stock by SKU',
            description: 'Units on hand minus units reserved, per watched SKU.',
            unit: 'short',
            queries: [q('sum by (sku) (eventshop_stock_units{state="available"})', '{{sku}}')],
          },
        ],
      };
    case 'notification-service':
      return {
        title: 'Notifications',
        perLine: 2,
        panels: [
          {
            title: 'Notifications per minute by outcome',
            description: 'sent, failed, retry, skipped, duplicate.',
            unit: 'short',
            queries: [
              q(
                `sum by (outcome) (rate(eventshop_notifications_total[${RATE}])) * 60`,
                '{{outcome}}',
              ),
            ],
          },
          {
            title: 'Notification failures (share)',
            description: 'Share of notification attempts that failed or went to retry.',
            unit: 'percentunit',
            queries: [
              q(
                `sum (rate(eventshop_notifications_total{outcome=~"failed|retry"}[${RATE}])) / sum (rate(eventshop_notifications_total[${RATE}])) or sum (rate(eventshop_notifications_total[${RATE}])) * 0`,
                'failed or retry',
              ),
            ],
          },
        ],
      };
  }
}

export function serviceDashboard(service: ServiceName): DashboardSpec {
  const short = service.replace(/-service$/, '');
  return {
    uid: `eventshop-${short}`,
    title: `EventShop ${service}`,
    description: `RED, business metrics and Node runtime of ${service}.`,
    tags: ['eventshop', service],
    rows: [
      red(service),
      business(service),
      messaging(service, service !== 'notification-service'),
      runtime(service),
    ],
  };
}
