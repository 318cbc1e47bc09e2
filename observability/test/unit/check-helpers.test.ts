// The pure parts of the observability check: what Prometheus is told to scrape, how Grafana's
// variables become PromQL, and how range results are named for the charts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { named } from '../../src/check/charts';
import { prometheusConfig } from '../../src/check/prometheus';
import { dashboardQueries, forPrometheus } from '../../src/check/queries';

describe('prometheusConfig', () => {
  const config = parse(
    prometheusConfig(
      {
        services: {
          'order-service': '127.0.0.1:3000',
          'inventory-service': '127.0.0.1:3001',
          'notification-service': '127.0.0.1:3002',
        },
        rabbitmq: '127.0.0.1:15692',
        vhost: 'shop.v1',
      },
      '/rules/eventshop-rules.yml',
    ),
  ) as {
    rule_files: string[];
    scrape_configs: {
      job_name: string;
      metrics_path: string;
      static_configs: { targets: string[] }[];
      metric_relabel_configs?: { source_labels: string[]; regex: string; action: string }[];
    }[];
  };

  it('scrapes each service under its own job name, as the ServiceMonitors label them', () => {
    const jobs = Object.fromEntries(
      config.scrape_configs.map((c) => [c.job_name, c.static_configs[0]!.targets[0]]),
    );
    assert.deepEqual(jobs, {
      'order-service': '127.0.0.1:3000',
      'inventory-service': '127.0.0.1:3001',
      'notification-service': '127.0.0.1:3002',
      rabbitmq: '127.0.0.1:15692',
    });
    assert.deepEqual(config.rule_files, ['/rules/eventshop-rules.yml']);
  });

  it("keeps only the system's vhost of a shared broker (and series without a vhost)", () => {
    const rabbitmq = config.scrape_configs.find((c) => c.job_name === 'rabbitmq')!;
    assert.equal(rabbitmq.metrics_path, '/metrics/per-object');
    const keep = rabbitmq.metric_relabel_configs![0]!;
    assert.equal(keep.action, 'keep');
    const regex = new RegExp(`^(?:${keep.regex})$`);
    assert.ok(regex.test('shop.v1'));
    assert.ok(regex.test(''));
    assert.ok(!regex.test('shopXv1'), 'the dot is literal');
    assert.ok(!regex.test('t-outbox-1'));
  });
});

describe('dashboard queries', () => {
  it('lists every target of every panel except rows', () => {
    const queries = dashboardQueries({
      title: 'D',
      panels: [
        { type: 'row', title: 'R' },
        { type: 'timeseries', title: 'P', targets: [{ refId: 'A', expr: 'up' }] },
        {
          type: 'stat',
          title: 'S',
          targets: [
            { refId: 'A', expr: 'a' },
            { refId: 'B', expr: 'b' },
          ],
        },
      ],
    });
    assert.deepEqual(
      queries.map((q) => `${q.panel}/${q.refId}/${q.expr}`),
      ['P/A/up', 'S/A/a', 'S/B/b'],
    );
  });

  it("replaces Grafana's rate interval with a fixed window", () => {
    assert.equal(
      forPrometheus('rate(x[$__rate_interval]) / rate(y[${__rate_interval}])', '1m'),
      'rate(x[1m]) / rate(y[1m])',
    );
  });
});

describe('named', () => {
  it('names series by the legend template and drops NaN samples', () => {
    const series = named(
      [
        {
          metric: { job: 'order-service', route: '/orders' },
          values: [
            [1, '0.5'],
            [2, 'NaN'],
            [3, '1'],
          ],
        },
      ],
      '{{job}} {{ route }}',
    );
    assert.deepEqual(series, [
      {
        name: 'order-service /orders',
        values: [
          [1, 0.5],
          [3, 1],
        ],
      },
    ]);
  });
});
