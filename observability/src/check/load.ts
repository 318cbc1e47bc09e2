// A short, bounded load through the public HTTP API, shaped so every panel has something to
// show: orders that confirm, orders that are rejected (more posters than in stock), cancels
// (which also give the stock back), an invalid request (4xx), reads, and readiness probes as
// the kubelet sends them.
import type { ServiceName } from '../promql';
import { sleep } from './prometheus';

export interface LoadOptions {
  orderUrl: string;
  serviceUrls: Record<ServiceName, string>;
  token: string;
  durationMs: number;
  ordersPerSecond: number;
  progress: (line: string) => void;
}

export interface LoadResult {
  requests: number;
  created: number;
  confirmed: number;
  rejected: number;
  cancelled: number;
  clientErrors: number;
  failures: number;
}

const SKUS = ['MUG-BLACK', 'TSHIRT-BLUE-M', 'SOCKS-STRIPED'];

export async function driveLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    requests: 0,
    created: 0,
    confirmed: 0,
    rejected: 0,
    cancelled: 0,
    clientErrors: 0,
    failures: 0,
  };
  const call = async (method: string, url: string, body?: unknown) => {
    // A JSON content type only with a body: the API refuses an empty JSON body.
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      result.requests++;
      if (response.status >= 500) result.failures++;
      else if (response.status >= 400) result.clientErrors++;
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    } catch {
      result.requests++;
      result.failures++;
      return { status: 0, body: {} };
    }
  };

  const inFlight = new Set<Promise<void>>();
  const probes = setInterval(() => {
    for (const url of Object.values(options.serviceUrls)) {
      void fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => {});
    }
  }, 2_000);

  const order = async (n: number) => {
    const poster = n % 7 === 3;
    const items = poster
      ? [{ sku: 'POSTER-LIMITED', quantity: 5 }]
      : [{ sku: SKUS[n % SKUS.length]!, quantity: 1 + (n % 2) }];
    const created = await call('POST', `${options.orderUrl}/orders`, { items });
    if (created.status !== 201) return;
    result.created++;
    const id = String(created.body.id);
    // Wait for the saga, then cancel the confirmed order: its stock comes back, so a repeated
    // run finds the same stock.
    // Poll with backoff (0.5, 1, 2, 4, 4, ... s): polling must not be the load itself.
    for (let i = 0, wait = 500; i < 12; i++, wait = Math.min(wait * 2, 4_000)) {
      await sleep(wait);
      const read = await call('GET', `${options.orderUrl}/orders/${id}`);
      const status = read.body.status;
      if (status === 'CONFIRMED') {
        result.confirmed++;
        const cancel = await call('POST', `${options.orderUrl}/orders/${id}/cancel`);
        if (cancel.status < 300) result.cancelled++;
        return;
      }
      if (status === 'REJECTED') {
        result.rejected++;
        return;
      }
    }
  };

  const started = Date.now();
  let n = 0;
  let lastReport = started;
  const interval = 1000 / options.ordersPerSecond;
  while (Date.now() - started < options.durationMs) {
    const task = order(n).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (n % 10 === 5) {
      // A request the API refuses (no items): the 4xx series.
      void call('POST', `${options.orderUrl}/orders`, { items: [] });
    }
    n++;
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      options.progress(
        `${Math.round((Date.now() - started) / 1000)}s: ${result.created} orders created, ${result.confirmed} confirmed, ${result.rejected} rejected, ${result.cancelled} cancelled`,
      );
    }
    await sleep(interval);
  }
  await Promise.all(inFlight);
  clearInterval(probes);
  return result;
}

/**
 * Posts orders and cancels each at once, without waiting for the saga (the fault step: with
 * inventory stopped, both events queue up for it; once back it reserves and releases, so the
 * stock is unchanged).
 */
export async function postAndCancelOrders(
  orderUrl: string,
  token: string,
  count: number,
  intervalMs: number,
) {
  const auth = { authorization: `Bearer ${token}` };
  let created = 0;
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${orderUrl}/orders`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: SKUS[i % SKUS.length], quantity: 1 }] }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (response?.status !== 201) continue;
    created++;
    const { id } = (await response.json()) as { id: string };
    await fetch(`${orderUrl}/orders/${id}/cancel`, {
      method: 'POST',
      headers: auth,
      signal: AbortSignal.timeout(10_000),
    })
      .then((r) => r.text())
      .catch(() => undefined);
    await sleep(intervalMs);
  }
  return created;
}
