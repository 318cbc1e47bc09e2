// make observability-check: a private Prometheus scrapes the running system (`make up`); a short
// load runs; then, through Prometheus's HTTP API, every dashboard query must parse and return
// data, every alert expression must parse, no alert may be active in the healthy run, and
// stopping inventory-service must make EventShopQueueWithoutConsumer pending until it is back.
// Renders the overview's key series of the run to docs/observability/*.png.
//
// Environment: OBS_TOKEN (a JWT for order-service), OBS_STOP_INVENTORY and OBS_START_INVENTORY
// (shell commands), optional OBS_LOAD_SECONDS (default 45), ORDER_URL, INVENTORY_URL,
// NOTIFICATION_URL, RABBITMQ_PROMETHEUS (host:port, default 127.0.0.1:15692), RABBITMQ_VHOST.
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS_DIR, repoRoot, RULES_FILE } from '../generate';
import { SERVICES, type ServiceName } from '../promql';
import { named, renderPng, type ChartSpec } from './charts';
import { driveLoad, postAndCancelOrders } from './load';
import { Prometheus, PromQLError, sleep, type Alert } from './prometheus';
import { dashboardQueries, forPrometheus, type PanelQuery } from './queries';

const RATE_WINDOW = '1m';
const STEP = 5;
const FAULT_ALERT = 'EventShopQueueWithoutConsumer';
const FAULT_QUEUE = 'inventory.order-events';

const root = repoRoot();
const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`error: ${name} is not set (run the check with make observability-check)`);
    process.exit(2);
  }
  return value;
};
const now = () => Date.now() / 1000;
const step = (text: string) => console.log(`\x1b[1m==> ${text}\x1b[0m`);
const info = (text: string) => console.log(`    ${text}`);

interface PanelResult {
  dashboard: string;
  panel: string;
  queries: number;
  withData: number;
  problems: string[];
}

async function waitFor<T>(
  what: string,
  timeoutS: number,
  probe: () => Promise<T | undefined>,
): Promise<{ value: T; seconds: number }> {
  const began = now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, seconds: Math.round(now() - began) };
    if (now() - began > timeoutS) throw new Error(`${what}: not within ${timeoutS}s`);
    await sleep(1_000);
  }
}

async function checkPanels(
  prometheus: Prometheus,
  queries: PanelQuery[],
  start: number,
  end: number,
): Promise<PanelResult[]> {
  const panels = new Map<string, PanelResult>();
  for (const query of queries) {
    const key = `${query.dashboard}\u0000${query.panel}`;
    const panel = panels.get(key) ?? {
      dashboard: query.dashboard,
      panel: query.panel,
      queries: 0,
      withData: 0,
      problems: [],
    };
    panels.set(key, panel);
    panel.queries++;
    try {
      const data = await prometheus.queryRange(
        forPrometheus(query.expr, RATE_WINDOW),
        start,
        end,
        STEP,
      );
      const finite = data.result.filter((s) =>
        s.values.some(([, v]) => Number.isFinite(Number(v))),
      );
      if (finite.length > 0) panel.withData++;
      else
        panel.problems.push(`${query.refId}: no series with data (${data.result.length} series)`);
    } catch (error) {
      const kind = error instanceof PromQLError ? 'does not parse' : 'failed';
      panel.problems.push(`${query.refId}: ${kind}: ${(error as Error).message}`);
    }
  }
  return [...panels.values()];
}

function faultAlert(alerts: Alert[]): Alert | undefined {
  return alerts.find((a) => a.labels.alertname === FAULT_ALERT && a.labels.queue === FAULT_QUEUE);
}

async function main(): Promise<number> {
  const began = now();
  const token = env('OBS_TOKEN');
  const stopInventory = env('OBS_STOP_INVENTORY');
  const startInventory = env('OBS_START_INVENTORY');
  const loadSeconds = Number(env('OBS_LOAD_SECONDS', '45'));
  const serviceUrls: Record<ServiceName, string> = {
    'order-service': env('ORDER_URL', 'http://127.0.0.1:3000'),
    'inventory-service': env('INVENTORY_URL', 'http://127.0.0.1:3001'),
    'notification-service': env('NOTIFICATION_URL', 'http://127.0.0.1:3002'),
  };
  const work = join(root, '.local/observability');
  const pictures = join(root, 'docs/observability');
  mkdirSync(join(root, '.local/log'), { recursive: true });

  const dashboards = readdirSync(join(root, DASHBOARDS_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(root, DASHBOARDS_DIR, f), 'utf8')));
  const queries = dashboards.flatMap(dashboardQueries);
  const rulesFile = join(root, RULES_FILE);
  const alertRules = (
    parse(readFileSync(rulesFile, 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules);
  info(
    `${dashboards.length} dashboards, ${queries.length} panel queries, ${alertRules.length} alert rules`,
  );

  step('Prometheus (Debian package) on a free loopback port');
  const prometheus = await Prometheus.start(
    work,
    {
      services: Object.fromEntries(
        SERVICES.map((s) => [s, new URL(serviceUrls[s]).host]),
      ) as Record<ServiceName, string>,
      rabbitmq: env('RABBITMQ_PROMETHEUS', '127.0.0.1:15692'),
      vhost: env('RABBITMQ_VHOST', '/'),
    },
    rulesFile,
    join(root, '.local/log/observability-prometheus.log'),
  );

  const failures: string[] = [];
  let faultPending: number | undefined;
  let faultCleared: number | undefined;
  let panelResults: PanelResult[] | undefined;
  let quietRules = 0;
  const alertsParsed: string[] = [];
  try {
    const version = await prometheus.api<{ version: string }>('status/buildinfo');
    info(
      `Prometheus ${version.version} at ${prometheus.url} (log: .local/log/observability-prometheus.log)`,
    );

    step('scrape targets: the three services and RabbitMQ');
    const targets = await waitFor('every target up', 60, async () => {
      const data = await prometheus.api<{
        activeTargets: { labels: { job: string }; health: string }[];
      }>('targets');
      const up = data.activeTargets.filter((t) => t.health === 'up').map((t) => t.labels.job);
      return up.length === SERVICES.length + 1 ? up : undefined;
    });
    info(`up after ${targets.seconds}s: ${targets.value.sort().join(', ')}`);

    step('alert expressions parse');
    for (const rule of alertRules) {
      try {
        await prometheus.query(rule.expr);
        alertsParsed.push(rule.alert);
      } catch (error) {
        failures.push(`alert ${rule.alert} does not parse: ${(error as Error).message}`);
      }
    }
    const loaded = await waitFor('every rule evaluated', 30, async () => {
      const rules = await prometheus.rules();
      return rules.length === alertRules.length && rules.every((r) => r.health === 'ok')
        ? rules
        : undefined;
    });
    info(
      `${alertsParsed.length}/${alertRules.length} parse; Prometheus loaded ${loaded.value.length}, all evaluated without error`,
    );

    step(`load: ${loadSeconds}s of orders (confirmed, rejected, cancelled), reads and probes`);
    const loadStart = now();
    const load = await driveLoad({
      orderUrl: serviceUrls['order-service'],
      serviceUrls,
      token,
      durationMs: loadSeconds * 1000,
      ordersPerSecond: 1.5,
      progress: info,
    });
    info(
      `${load.requests} requests; ${load.created} orders created: ${load.confirmed} confirmed, ${load.rejected} rejected, ${load.cancelled} cancelled; ${load.clientErrors} refused (4xx), ${load.failures} failed (5xx or no answer)`,
    );
    if (load.created === 0) failures.push('the load created no order');
    // A shared machine may time out a request now and then; more than 2% is a failure.
    if (load.failures > load.requests * 0.02) {
      failures.push(`${load.failures} of ${load.requests} requests failed during the load`);
    }
    info('letting two scrapes and rule evaluations pass');
    await sleep(2 * 1000 * 5 + 5_000);

    step('dashboard panels: every query parses and returns data (range over the run)');
    panelResults = await checkPanels(prometheus, queries, loadStart, now());
    for (const p of panelResults) {
      if (p.problems.length)
        failures.push(`panel "${p.panel}" (${p.dashboard}): ${p.problems.join('; ')}`);
    }
    info(
      `${panelResults.filter((p) => p.withData === p.queries).length}/${panelResults.length} panels with data`,
    );

    step('healthy run: no alert active');
    const rules = await prometheus.rules();
    for (const rule of rules) {
      if (rule.state === 'inactive') quietRules++;
      else failures.push(`alert ${rule.name} is ${rule.state} in the healthy run`);
    }
    info(`${quietRules}/${rules.length} inactive`);

    step('fault: stop inventory-service');
    const faultStart = now();
    execSync(stopInventory, { stdio: 'inherit' });
    // 20 s of orders while it is down, so the charts show the queue filling up.
    const posted = await postAndCancelOrders(serviceUrls['order-service'], token, 10, 2_000);
    info(
      `${posted} orders created and cancelled while inventory is down (their events wait in ${FAULT_QUEUE})`,
    );
    try {
      const pending = await waitFor(`${FAULT_ALERT} pending`, 90, async () =>
        faultAlert(await prometheus.alerts()),
      );
      faultPending = pending.seconds;
      info(
        `${FAULT_ALERT}{queue="${FAULT_QUEUE}"} ${pending.value.state} after ${pending.seconds}s`,
      );
      const others = (await prometheus.alerts()).filter(
        (a) => a !== undefined && a.labels.alertname !== FAULT_ALERT,
      );
      if (others.length)
        info(`also active: ${others.map((a) => `${a.labels.alertname} (${a.state})`).join(', ')}`);
    } catch (error) {
      failures.push((error as Error).message);
    }

    step('recovery: start inventory-service again');
    execSync(startInventory, { stdio: 'inherit' });
    const faultEnd = now();
    try {
      const cleared = await waitFor(`${FAULT_ALERT} cleared`, 120, async () =>
        faultAlert(await prometheus.alerts()) ? undefined : true,
      );
      faultCleared = cleared.seconds;
      info(`${FAULT_ALERT} cleared ${cleared.seconds}s after the start`);
    } catch (error) {
      failures.push((error as Error).message);
    }
    await sleep(10_000);

    step('pictures of the run: docs/observability/*.png');
    const end = now();
    const overview = dashboards.find((d) => d.uid === 'eventshop-overview');
    const byPanel = (title: string) => dashboardQueries(overview).filter((q) => q.panel === title);
    const legendOf = (title: string, refId: string) =>
      (overview.panels as { title: string; targets?: { refId: string; legendFormat: string }[] }[])
        .find((p) => p.title === title)
        ?.targets?.find((t) => t.refId === refId)?.legendFormat ?? '';
    const band = { from: faultStart, to: faultEnd, label: 'inventory-service stopped' };
    const charts: [string, string, string, boolean][] = [
      ['orders-per-minute', 'Orders per minute by status', 'orders / min', true],
      ['saga-duration', 'Saga duration by outcome (p50, p95, p99)', 'seconds', false],
      ['http-request-rate', 'Request rate', 'requests / s', false],
      ['queue-depth-ready', 'Queue depth: ready', 'messages', true],
      ['queue-consumers', 'Consumers per queue', 'consumers', true],
    ];
    mkdirSync(pictures, { recursive: true });
    for (const [file, title, unit, showFault] of charts) {
      const series: ChartSpec['series'] = [];
      for (const query of byPanel(title)) {
        const data = await prometheus.queryRange(
          forPrometheus(query.expr, RATE_WINDOW),
          loadStart,
          end,
          STEP,
        );
        series.push(...named(data.result, legendOf(title, query.refId)));
      }
      const shown = series.filter((s) => s.values.length > 0);
      if (shown.length === 0) {
        failures.push(`picture ${file}: no data`);
        continue;
      }
      const png = await renderPng({ title, unit, series: shown, ...(showFault ? { band } : {}) });
      writeFileSync(join(pictures, `${file}.png`), png);
      info(
        `docs/observability/${file}.png (${shown.length} series, ${Math.round(png.length / 1024)} KiB)`,
      );
    }
  } finally {
    await prometheus.stop();
    info('Prometheus stopped');
  }

  panelResults ??= [];
  const panelsWithData = panelResults.filter((p) => p.withData === p.queries).length;
  const queriesWithData = panelResults.reduce((n, p) => n + p.withData, 0);
  const expected = faultPending !== undefined && faultCleared !== undefined ? 1 : 0;
  console.log('\n\x1b[1mobservability-check\x1b[0m');
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(58)} ${value}`);
  for (const d of dashboards) {
    const mine = panelResults.filter((p) => p.dashboard === d.title);
    row(
      `  ${d.title}: panels with data`,
      `${mine.filter((p) => p.withData === p.queries).length}/${mine.length}`,
    );
  }
  row('panels checked', String(panelResults.length));
  row('panels with data (every query returned series)', `${panelsWithData}/${panelResults.length}`);
  row('panel queries with data', `${queriesWithData}/${queries.length}`);
  row(
    'alerts checked (expression parses, rule evaluates)',
    `${alertsParsed.length}/${alertRules.length}`,
  );
  row('alerts quiet in the healthy run', `${quietRules}/${alertRules.length}`);
  row(
    `fault: inventory-service stopped -> ${FAULT_ALERT} pending`,
    faultPending === undefined ? 'NO' : `yes (${faultPending}s)`,
  );
  row(
    'recovery: inventory-service started -> alert cleared',
    faultCleared === undefined ? 'NO' : `yes (${faultCleared}s)`,
  );
  row('alerts fired as expected', `${expected}/1`);
  row('time', `${Math.round(now() - began)}s`);
  if (failures.length) {
    console.log('\x1b[31mobservability-check FAILED:\x1b[0m');
    for (const f of failures) console.log(`  - ${f}`);
    return 1;
  }
  console.log('\x1b[32mobservability-check passed\x1b[0m');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`observability-check failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
