// The fault suite (`make chaos`), in the production shape: two pods of every service (requests
// spread over the order and inventory pods), a stream of orders at a steady rate with a burst of
// ten times that rate, while pods are SIGKILLed (each service twice), the broker and the database
// server are restarted, the database is down for more than 90 s with a broker restart inside
// that outage, a pod is killed while the broker is down, real events are delivered twice and
// poison is published; then, once everything has gone quiet, the invariants are checked and
// printed as a table beside the fault timeline. Exit code 1 on any violation.
//
// Bounded: orders (MAX_ORDERS), the fault plan, the wait for quiescence, and the whole run
// (RUN_LIMIT_MS). Everything runs on loopback, in a vhost and databases of the run's own.
// CHAOS_INFRA=0 leaves the broker and database server alone (pod kills, a burst, duplicates and
// poison only).
import { join } from 'node:path';
import {
  Shop,
  show,
  sleep,
  startSystem,
  Tokens,
  type Answer,
  type Order,
  type Product as StockView,
  type ServiceName,
  type System,
} from '../src';
import { DuplicateInjector } from './duplicates';
import { describeFault, faultPlan, runFaults, type FaultRecord } from './faults';
import { checkInvariants, formatTable, type ProductDocument, type Readiness } from './invariants';
import { OrderStream, type Customer, type Product } from './load';
import { Mailbox } from './mailbox';
import { Management, TAP_QUEUE } from './management';
import {
  browse,
  expectedDeadLetters,
  markerOf,
  poisonBatch,
  publishPoison,
  type Poison,
} from './poison';
import { readNotificationRecords, readProductDocuments } from './stored';
import { formatTimeline, overlaps, type Span } from './timeline';

const PENDING_TIMEOUT = '10s';
const RETRY_DELAYS = '1s,3s,10s,30s';
const SEND_LEASE = '15s'; // shorter than the sum of RETRY_DELAYS (notification checks it)
const REPLICAS = 2;
const CUSTOMERS = 20;
/** Orders started per second outside the burst, and the burst. */
const RATE = 2;
const BURST_FACTOR = 10;
const BURST_MS = 30_000;
const LONG_OUTAGE_MS = 95_000;
/** The load goes on after the faults until this many orders were accepted (bounded in time). */
const MIN_ORDERS = 1_000;
const MIN_ORDERS_WAIT_MS = 180_000;
const MAX_ORDERS = 2_000;
const MAX_IN_FLIGHT = 400;
const MAX_DUPLICATES = 300;
const QUIET_DEADLINE_MS = 240_000;
const RUN_LIMIT_MS = 16 * 60_000;
const NEVER_SOLD = 'CHAOS-NEVER-SOLD';

// Enough stock for most of the run's orders to be confirmed; E and F run out (refusals).
const PRODUCTS: Product[] = [
  { sku: 'CHAOS-A', priceMinor: 1200, stock: 600 },
  { sku: 'CHAOS-B', priceMinor: 450, stock: 500 },
  { sku: 'CHAOS-C', priceMinor: 9900, stock: 400 },
  { sku: 'CHAOS-D', priceMinor: 300, stock: 300 },
  { sku: 'CHAOS-E', priceMinor: 2500, stock: 20 },
  { sku: 'CHAOS-F', priceMinor: 100, stock: 5 },
];

const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s`;
const log = (line: string) => console.log(`[chaos ${elapsed()}] ${line}`);

async function seedCatalog(shop: Shop, probe: Customer): Promise<void> {
  for (const p of PRODUCTS) {
    await shop.putProduct(p.sku, {
      name: `Chaos ${p.sku}`,
      priceMinor: p.priceMinor,
      currency: 'EUR',
      active: true,
    });
    await shop.adjustStock(p.sku, p.stock, 'chaos initial stock');
  }
  // The order service prices from its own copy of the catalog: wait until it knows every SKU.
  await shop.waitForCatalog(
    probe.token,
    PRODUCTS.map((p) => p.sku),
    NEVER_SOLD,
  );
}

async function outboxPending(system: System): Promise<number> {
  let total = 0;
  for (const pod of system.allPods()) {
    const res = await fetch(`${pod.url}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    for (const m of text.matchAll(/^eventshop_outbox_pending(?:\{[^}]*\})? (\S+)$/gm)) {
      total += Number(m[1]);
    }
  }
  return total;
}

async function pendingOrders(shop: Shop, customers: readonly Customer[]): Promise<number> {
  let pending = 0;
  for (const c of customers) {
    const page = await shop.orders.get<{ items: Order[] }>('/orders?status=PENDING&limit=100', {
      token: c.token,
    });
    if (page.status !== 200) throw new Error(`list orders: ${show(page)}`);
    pending += page.body.items.length;
  }
  return pending;
}

async function busyQueues(broker: Management) {
  return (await broker.queues())
    .filter((q) => q.name !== TAP_QUEUE && !q.name.endsWith('.dlq'))
    .map((q) => ({ name: q.name, messages: q.messages + q.messagesUnacknowledged }))
    .filter((q) => q.messages > 0);
}

/** Waits until no order is PENDING, no queue holds work, no outbox holds events, twice in a row. */
async function waitForQuiet(
  system: System,
  shop: Shop,
  customers: readonly Customer[],
  broker: Management,
  mailbox: Mailbox,
): Promise<void> {
  const deadline = Date.now() + QUIET_DEADLINE_MS;
  let quietRounds = 0;
  let lastMails = -1;
  let lastReport = 0;
  while (Date.now() < deadline) {
    const state = await Promise.all([
      pendingOrders(shop, customers),
      busyQueues(broker),
      outboxPending(system),
      mailbox.collect().then(() => mailbox.all.length),
    ]).catch((err: unknown) => err as Error);
    if (state instanceof Error) {
      quietRounds = 0;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`waiting for quiet: ${state.message.split('\n')[0]}`);
      }
    } else {
      const [pending, queues, outbox, mails] = state;
      const quiet = pending === 0 && queues.length === 0 && outbox === 0 && mails === lastMails;
      lastMails = mails;
      quietRounds = quiet ? quietRounds + 1 : 0;
      if (quietRounds >= 2) {
        log('quiet: no order pending, queues and outboxes empty, no new e-mail');
        return;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const q = queues.map((x) => `${x.name}=${x.messages}`).join(' ') || 'none';
        log(`waiting for quiet: ${pending} pending, outbox ${outbox}, busy queues ${q}`);
      }
    }
    await sleep(2_000);
  }
  log(`not quiet after ${QUIET_DEADLINE_MS / 1000}s; checking anyway`);
}

async function main(): Promise<number> {
  const withInfra = process.env.CHAOS_INFRA !== '0';
  log(
    `starting ${REPLICAS} pods of every service (infrastructure faults: ${withInfra ? 'yes' : 'no'})`,
  );
  const system = await startSystem({
    replicas: REPLICAS,
    pendingTimeout: PENDING_TIMEOUT,
    logDir: join(__dirname, '..', 'chaos-logs'),
    env: {
      'order-service': { RETRY_DELAYS },
      'inventory-service': { RETRY_DELAYS },
      'notification-service': { RETRY_DELAYS, NOTIFICATION_SEND_LEASE: SEND_LEASE },
    },
  });
  try {
    return await run(system, withInfra);
  } finally {
    await system.dispose();
  }
}

async function run(system: System, withInfra: boolean): Promise<number> {
  const tokens = new Tokens(system.auth);
  // Valid for the whole run: a slow machine stretches it past the default 10 minutes, and the
  // final reads then failed with "token has expired".
  const expiresInSeconds = 6 * 3600;
  const customer = async (name: string): Promise<Customer> => {
    const userId = `chaos-${name}-${system.runId}`;
    const email = `${userId}@chaos.eventshop.test`;
    return { userId, email, token: await tokens.forUser(userId, { email, expiresInSeconds }) };
  };
  const admin = await tokens.forUser(`operator-${system.runId}`, {
    roles: ['admin'],
    expiresInSeconds,
  });
  const urls = (name: ServiceName) => system.pods[name].map((pod) => pod.url);
  const shop = new Shop(urls('order-service'), urls('inventory-service'), admin);
  const customers = await Promise.all(
    Array.from({ length: CUSTOMERS }, (_, i) => customer(`u${i + 1}`)),
  );
  await seedCatalog(shop, await customer('probe'));
  log(`catalog: ${PRODUCTS.map((p) => `${p.sku}×${p.stock}`).join(', ')}`);

  const broker = new Management(system.infra.managementUrl, system.vhost);
  const duplicates = new DuplicateInjector(broker, MAX_DUPLICATES);
  const duplicatesStart = Date.now() - startedAt;
  await duplicates.start();
  const mailbox = new Mailbox(
    system.infra.mailUiUrl,
    customers.map((c) => c.email),
  );
  const stream = new OrderStream({
    shop,
    customers,
    products: PRODUCTS,
    runId: system.runId,
    maxOrders: MAX_ORDERS,
    ratePerSecond: RATE,
    maxInFlight: MAX_IN_FLIGHT,
    cancelShare: 0.2,
    earlyCancelShare: 0.05,
  });

  let actsDone = 0;
  const plan = faultPlan({
    withInfra,
    replicas: REPLICAS,
    longOutageMs: LONG_OUTAGE_MS,
    burstFactor: BURST_FACTOR,
    burstMs: BURST_MS,
  });
  const plannedFaults = plan.reduce((n, act) => n + act.length, 0);
  const spans: Span[] = [];
  let running = true;
  const progress = (async () => {
    let last = Date.now();
    while (running) {
      await sleep(500);
      // Collected often: the sink keeps a bounded number of messages.
      if (Date.now() - last < 5_000) continue;
      last = Date.now();
      await mailbox.collect().catch(() => undefined);
      const s = stream.stats;
      log(
        `orders started ${s.started}, accepted ${stream.placed.length}, requests ${s.requests} ` +
          `(transport errors ${s.transportErrors}, 5xx ${s.serverErrors}, shed ${s.shed}), cancels ${s.cancels}, ` +
          `duplicates ${duplicates.total}, e-mails ${mailbox.all.length}, acts ${actsDone}/${plan.length}`,
      );
    }
  })();

  const poison: Poison[] = [];
  const publish = async (batch: Poison[]) => {
    await publishPoison(broker, batch);
    poison.push(...batch);
    const at = Date.now() - startedAt;
    spans.push({ label: `poison ×${batch.length} published`, startMs: at, endMs: at });
    log(`poison published: ${batch.map((p) => `${p.routingKey} (${p.why})`).join(', ')}`);
  };

  const loadStart = Date.now() - startedAt;
  stream.start();
  log(`load: ${CUSTOMERS} customers, ${RATE} orders/s, pods round robin, at most ${MAX_ORDERS}`);
  await sleep(3_000);
  await publish(poisonBatch(system.runId, 0, 3));
  const halfway = Math.ceil(plan.length / 2);
  let faults: FaultRecord[];
  const context = {
    system,
    burst: async (factor: number, ms: number) => {
      const started = await stream.burst(factor, ms);
      log(`  burst: ${started} orders started in ${ms / 1000} s`);
    },
  };
  try {
    faults = await runFaults(context, plan, [3_000, 8_000], startedAt, log, async (done) => {
      actsDone = done;
      if (done === halfway) await publish(poisonBatch(system.runId, 3, 3));
    });
    const enough = Date.now() + MIN_ORDERS_WAIT_MS;
    while (stream.placed.length < MIN_ORDERS && Date.now() < enough) await sleep(1_000);
  } finally {
    await sleep(5_000);
    log('stopping the load (requests without an answer keep retrying for up to 60 s)');
    await stream.stop(60_000);
    await duplicates.stop();
    running = false;
    await progress;
  }
  spans.push({ label: 'order load', startMs: loadStart, endMs: Date.now() - startedAt });
  log(
    `load done: ${stream.placed.length} orders accepted, ${stream.stats.requests} requests, ` +
      `${duplicates.total} duplicates (${[...duplicates.published].map(([t, n]) => `${t} ${n}`).join(', ')})`,
  );
  spans.push({
    label: `duplicate deliveries (${duplicates.total})`,
    startMs: duplicatesStart,
    endMs: Date.now() - startedAt,
  });

  await waitForQuiet(system, shop, customers, broker, mailbox);
  await mailbox.collect();

  // What the system says now. A part that cannot be read (a service that never came back) is a
  // violation of its own, and the other checks still run.
  const unreadable: string[] = [];
  const read = async <T>(what: string, probe: () => Promise<T>): Promise<T | undefined> => {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await probe();
      } catch (err) {
        last = err;
        await sleep(1_000);
      }
    }
    unreadable.push(
      `${what}: ${last instanceof Error ? last.message.split('\n')[0] : String(last)}`,
    );
    return undefined;
  };
  const finalOrders = new Map<string, Order | undefined>();
  const unknownOrders = new Set<string>();
  for (const p of stream.placed) {
    const order = await read(`GET /orders/${p.id}`, async () => {
      const answer = await shop.getOrder(p.customer.token, p.id);
      if (answer.status !== 200 && answer.status !== 404) throw new Error(show(answer));
      return { found: answer.status === 200 ? answer.body : undefined };
    });
    if (order === undefined) unknownOrders.add(p.id);
    finalOrders.set(p.id, order?.found);
  }
  const known = new Set(stream.placed.map((p) => p.id));
  const orphans: string[] = [];
  for (const c of customers) {
    await read(`orders of ${c.userId}`, async () => {
      const found: string[] = [];
      let cursor: string | undefined;
      do {
        const page: Answer<{ items: Order[]; nextCursor?: string }> = await shop.orders.get(
          `/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { token: c.token },
        );
        if (page.status !== 200) throw new Error(show(page));
        for (const o of page.body.items) if (!known.has(o.id)) found.push(o.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      orphans.push(...found);
    });
  }
  const stock = new Map<string, StockView>();
  for (const p of PRODUCTS) {
    const view = await read(`product ${p.sku}`, () => shop.product(p.sku));
    if (view) stock.set(p.sku, view);
  }

  const productDocuments =
    (await read('product documents', () =>
      readProductDocuments(system.databases['inventory-service']),
    )) ?? new Map<string, ProductDocument>();
  const notificationRecords =
    (await read('notification records', () =>
      readNotificationRecords(system.databases['notification-service']),
    )) ?? [];
  const readiness: Readiness[] = [];
  for (const pod of system.allPods()) {
    let status = 0;
    for (let attempt = 0; attempt < 5 && status !== 200; attempt++) {
      if (attempt > 0) await sleep(1_000);
      status = await fetch(`${pod.url}/health/ready`, { signal: AbortSignal.timeout(5_000) })
        .then((res) => res.status)
        .catch(() => 0);
    }
    readiness.push({ pod: pod.name, status });
  }

  // Every DLQ of the vhost, also one whose queue no binding names any more: each must hold
  // exactly the poison routed to its queue.
  const expectedDlqs =
    (await read('bindings', () => expectedDeadLetters(broker, poison))) ?? new Map();
  for (const q of (await read('queues', () => broker.queues())) ?? []) {
    if (q.name.endsWith('.dlq') && !expectedDlqs.has(q.name)) expectedDlqs.set(q.name, []);
  }
  const deadLetters = new Map<string, { expected: string[]; found: string[] }>();
  for (const [queue, expected] of expectedDlqs) {
    const messages = (await read(queue, () => browse(broker, queue))) ?? [];
    const found = messages.map((m) => {
      const headers = (m.properties.headers ?? {}) as Record<string, unknown>;
      return (
        markerOf(m) ??
        `${m.routingKey} (${String(headers['x-eventshop-dead-reason'])}: ` +
          `${String(headers['x-eventshop-last-error']).slice(0, 160)}) ${m.payload.slice(0, 120)}`
      );
    });
    deadLetters.set(queue, { expected, found });
  }
  const leftInQueues = (await read('queues', () => busyQueues(broker))) ?? [];

  const rows = checkInvariants({
    placed: stream.placed,
    finalOrders,
    orphans,
    refused: stream.refused,
    unanswered: stream.unanswered,
    products: PRODUCTS,
    stock,
    productDocuments,
    mails: mailbox.all,
    notificationRecords,
    deadLetters,
    leftInQueues,
    faults,
    plannedFaults,
    unknownOrders,
    unreadable,
    readiness,
  });

  const count = (s: string) => [...finalOrders.values()].filter((o) => o?.status === s).length;
  const timeouts = [...finalOrders.values()].filter(
    (o) => o?.rejection?.reason === 'timeout',
  ).length;
  const resent = mailbox.all.length - new Set(mailbox.all.map((m) => m.messageId)).size;
  console.log('');
  console.log(
    `EventShop fault suite, run ${system.runId}: ${stream.placed.length} orders (` +
      `${count('CONFIRMED')} confirmed, ${count('REJECTED')} rejected of which ${timeouts} for ` +
      `timeout, ${count('CANCELLED')} cancelled); ${stream.stats.requests} requests, ` +
      `${stream.stats.transportErrors} transport errors, ${stream.stats.serverErrors} 5xx, ` +
      `${stream.stats.shed} shed (429), ` +
      `${stream.stats.retried} retried with the same key; ${duplicates.total} duplicate ` +
      `deliveries; ${poison.length} poison messages; ${mailbox.all.length} e-mails ` +
      `(${resent} resent with the same Message-ID); ${REPLICAS} pods per service; ` +
      `${faults.length} faults`,
  );
  console.log('');
  const runMs = Date.now() - startedAt;
  const faultSpans: Span[] = faults.map((f) => ({
    label: describeFault(f.fault),
    startMs: f.startMs,
    endMs: f.endMs,
    ...(f.error ? { error: f.error } : {}),
  }));
  console.log(formatTimeline([...faultSpans, ...spans], runMs));
  for (const [a, b] of overlaps(faultSpans)) console.log(`  overlapping: ${a} / ${b}`);
  console.log('');
  console.log(formatTable(rows));
  const violations = rows.reduce((sum, r) => sum + r.violations, 0);
  console.log('');
  console.log(
    `${violations === 0 ? 'OK' : 'FAILED'}: ${violations} violation(s) in ` +
      `${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  if (violations > 0) {
    console.log(`service logs: ${join(__dirname, '..', 'chaos-logs')}`);
  }
  return violations === 0 ? 0 : 1;
}

const limit = setTimeout(() => {
  console.error(`fault suite: still running after ${RUN_LIMIT_MS / 60_000} min, giving up`);
  process.exit(2); // the system's exit hook kills the services
}, RUN_LIMIT_MS);
limit.unref();

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`fault suite failed to run: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 2;
  },
);
