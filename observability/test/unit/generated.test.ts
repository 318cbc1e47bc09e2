// The generated dashboards and rules file are committed into the chart: they must equal what the
// sources generate now, and keep the shape Grafana's sidecar and Prometheus expect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DASHBOARDS, generatedFiles, repoRoot, RULES_FILE } from '../../src/generate';
import { dashboardQueries } from '../../src/check/queries';

const root = repoRoot();

describe('generated files', () => {
  for (const [path, content] of generatedFiles()) {
    it(`${path} is up to date (npm run generate)`, () => {
      let committed: string;
      try {
        committed = readFileSync(join(root, path), 'utf8');
      } catch {
        assert.fail(`${path} is missing: run npm run generate in observability/`);
      }
      assert.equal(committed, content, `${path} is stale: run npm run generate in observability/`);
    });
  }
});

describe('dashboards', () => {
  it('have unique uids and the four expected titles', () => {
    const uids = DASHBOARDS.map((d) => d.uid);
    assert.equal(new Set(uids).size, uids.length);
    assert.deepEqual(
      DASHBOARDS.map((d) => d.title),
      [
        'EventShop overview',
        'EventShop order-service',
        'EventShop inventory-service',
        'EventShop notification-service',
      ],
    );
  });

  for (const [path, content] of generatedFiles()) {
    if (!path.endsWith('.json')) continue;
    it(`${path}: a Prometheus datasource variable, every panel and query uses it`, () => {
      const dashboard = JSON.parse(content) as {
        templating: { list: { type: string; name: string; query: string }[] };
        panels: {
          id: number;
          type: string;
          datasource?: { uid: string };
          targets?: { expr: string; datasource: { uid: string } }[];
        }[];
      };
      assert.deepEqual(
        dashboard.templating.list.map((v) => [v.type, v.name, v.query]),
        [['datasource', 'datasource', 'prometheus']],
      );
      const ids = dashboard.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
      const panels = dashboard.panels.filter((p) => p.type !== 'row');
      assert.ok(panels.length >= 8, `${panels.length} panels`);
      for (const panel of panels) {
        assert.equal(panel.datasource?.uid, '${datasource}');
        assert.ok(panel.targets && panel.targets.length > 0);
        for (const target of panel.targets) {
          assert.equal(target.datasource.uid, '${datasource}');
          assert.ok(target.expr.length > 0);
        }
      }
    });
  }

  it('the overview covers what operators asked for', () => {
    const exprs = dashboardQueries(
      JSON.parse(generatedFiles().get('helm/eventshop/files/dashboards/eventshop-overview.json')!),
    ).map((query) => query.expr);
    for (const metric of [
      'eventshop_orders_total',
      'eventshop_saga_duration_seconds_bucket',
      'eventshop_orders_shed_total',
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_bucket',
      'eventshop_events_published_total',
      'eventshop_events_consumed_total',
      'eventshop_outbox_pending',
      'eventshop_outbox_publish_lag_seconds_bucket',
      'rabbitmq_queue_messages_ready',
      'rabbitmq_queue_messages_unacked',
      'rabbitmq_queue_consumers',
      'up{',
    ]) {
      assert.ok(
        exprs.some((e) => e.includes(metric)),
        `no overview query uses ${metric}`,
      );
    }
    assert.ok(
      exprs.some((e) => e.includes('.+\\\\.dlq')),
      'a DLQ depth query',
    );
  });

  it('each service dashboard shows the Node runtime', () => {
    for (const name of ['order', 'inventory', 'notification']) {
      const exprs = dashboardQueries(
        JSON.parse(generatedFiles().get(`helm/eventshop/files/dashboards/eventshop-${name}.json`)!),
      ).map((query) => query.expr);
      for (const metric of [
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_used_bytes',
        'nodejs_gc_duration_seconds_sum',
      ]) {
        assert.ok(
          exprs.some((e) => e.includes(metric) && e.includes(`job="${name}-service"`)),
          `${name}: ${metric}`,
        );
      }
    }
  });
});

describe('rules file', () => {
  it('is a Prometheus rules file with the nine alerts', () => {
    const rules = parse(generatedFiles().get(RULES_FILE)!) as {
      groups: { name: string; rules: { alert: string; expr: string; for: string }[] }[];
    };
    assert.deepEqual(
      rules.groups.flatMap((g) => g.rules.map((r) => r.alert)),
      [
        'EventShopServiceDown',
        'EventShopHttpErrorRatioHigh',
        'EventShopDeadLetterQueueNotEmpty',
        'EventShopEventsUnroutable',
        'EventShopOutboxBacklogGrowing',
        'EventShopQueueWithoutConsumer',
        'EventShopSagaP99OverBudget',
        'EventShopOrdersShedForLong',
        'EventShopOrdersStuckPending',
      ],
    );
  });
});
