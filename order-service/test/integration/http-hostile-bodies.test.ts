// 1,000 malformed or hostile requests to POST /orders: every one is answered 4xx with
// problem+json, none 5xx, and the service keeps working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startOrderApp, type TestApp } from '../support/order-app';

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Hostile {
  name: string;
  payload: string | Buffer;
  contentType: string;
}

function hostileRequests(count: number): Hostile[] {
  const rand = prng(4);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const weird: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    1e21,
    '',
    ' ',
    '1',
    'A',
    'Infinity',
    'NaN',
    [],
    {},
    [1],
    { $gt: '' },
    { $where: '1' },
    'a'.repeat(5000),
    '\u0000',
    '\ud800',
    '𝔘𝔫𝔦',
    '<script>alert(1)</script>',
    "'; DROP TABLE orders; --",
    '../../etc/passwd',
  ];
  const deep = (depth: number, open: string, close: string, inner = '1') =>
    open.repeat(depth) + inner + close.repeat(depth);
  const makers: ((i: number) => Hostile)[] = [
    () => ({
      name: 'items wrong type',
      payload: JSON.stringify({ items: pick(weird) }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'line fields wrong type',
      payload: JSON.stringify({ items: [{ sku: pick(weird), quantity: pick(weird) }] }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'huge numbers',
      payload: `{"items":[{"sku":"MUG-1","quantity":${pick(['1e400', '-1e400', '123456789012345678901234567890', '0.0000001', '-0', '1E4', '1000.0000000001'])}}]}`,
      contentType: 'application/json',
    }),
    () => ({
      name: 'deep array nesting',
      payload: `{"items":${deep(5000 + Math.floor(rand() * 20000), '[', ']')}}`,
      contentType: 'application/json',
    }),
    () => ({
      name: 'deep object nesting',
      payload: `{"items":[${deep(3000 + Math.floor(rand() * 8000), '{"a":', '}')}]}`,
      contentType: 'application/json',
    }),
    () => ({
      name: 'extra fields',
      payload: JSON.stringify({
        items: [
          {
            sku: 'MUG-1',
            quantity: 1,
            [pick(['price', 'unitPriceMinor', 'userId', 'status', '$set', 'a.b'])]: pick(weird),
          },
        ],
        status: 'CONFIRMED',
      }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'prototype poisoning',
      payload: pick([
        '{"__proto__":{"isAdmin":true},"items":[]}',
        '{"items":[{"sku":"MUG-1","quantity":1,"__proto__":{"x":1}}]}',
        '{"constructor":{"prototype":{"x":1}},"items":[]}',
      ]),
      contentType: 'application/json',
    }),
    () => ({
      name: '2 MB body',
      payload: Buffer.alloc(2 * 1024 * 1024, pick(['a', '[', '{', ' '])),
      contentType: 'application/json',
    }),
    () => ({
      name: 'invalid JSON',
      payload: pick([
        '{',
        '{"items":[}',
        "{'items':[]}",
        '{"items":[{"sku":"A","quantity":1},]}',
        'undefined',
        'NaN',
        '{"items": [1e]}',
        '\uFEFF{"items":[]}',
      ]),
      contentType: 'application/json',
    }),
    () => ({
      name: 'invalid UTF-8',
      payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      contentType: 'application/json',
    }),
    () => ({
      name: 'wrong content type',
      payload: '{"items":[{"sku":"MUG-1","quantity":1}]}',
      contentType: pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'application/jsonx',
      ]),
    }),
    () => ({ name: 'empty body', payload: '', contentType: 'application/json' }),
    () => ({
      name: 'scalar body',
      payload: JSON.stringify(pick(weird)),
      contentType: 'application/json',
    }),
    () => ({
      name: 'too many lines',
      payload: JSON.stringify({
        items: Array.from({ length: 101 + Math.floor(rand() * 500) }, (_, i) => ({
          sku: `S-${i}`,
          quantity: 1,
        })),
      }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'duplicate SKUs',
      payload: JSON.stringify({
        items: [
          { sku: 'MUG-1', quantity: 1 },
          { sku: 'MUG-1', quantity: 1 },
        ],
      }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'unknown SKU',
      payload: JSON.stringify({
        items: [{ sku: `NOPE-${Math.floor(rand() * 1e6)}`, quantity: 1 }],
      }),
      contentType: 'application/json',
    }),
    () => ({
      name: 'duplicate keys',
      payload: '{"items":[{"sku":"MUG-1","quantity":1}],"items":"x"}',
      contentType: 'application/json',
    }),
  ];
  return Array.from({ length: count }, (_, i) =>
    (makers[i % makers.length] as (i: number) => Hostile)(i),
  );
}

describe('hostile request bodies', () => {
  let t: TestApp;
  before(async () => {
    t = await startOrderApp('order-http-hostile');
    await t.seedCatalog([{ sku: 'MUG-1', priceMinor: 1250 }]);
  });
  after(async () => t?.close());

  it('1,000 malformed or hostile bodies all get 4xx problem+json, none 5xx, and the service still serves', async () => {
    const requests = hostileRequests(1000);
    const outcomes = new Map<string, Set<number>>();
    const fivexx: string[] = [];
    for (const [i, r] of requests.entries()) {
      const res = await t.request({
        method: 'POST',
        url: '/orders',
        user: { sub: 'mallory' },
        rawBody: r.payload,
        headers: { 'content-type': r.contentType },
      });
      if (res.statusCode >= 500 || res.statusCode < 400)
        fivexx.push(`#${i} ${r.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      else
        assert.match(
          String(res.headers['content-type']),
          /^application\/problem\+json/,
          `#${i} ${r.name}`,
        );
      outcomes.set(r.name, (outcomes.get(r.name) ?? new Set()).add(res.statusCode));
    }
    assert.deepEqual(fivexx, [], 'every hostile body is refused with a 4xx');
    // The refusals are the expected kinds, not a blanket 400.
    assert.deepEqual([...(outcomes.get('2 MB body') ?? [])], [413]);
    assert.ok(outcomes.get('wrong content type')?.has(415));
    assert.deepEqual([...(outcomes.get('unknown SKU') ?? [])], [422]);
    assert.equal(
      await t.orders.countDocuments({ userId: 'mallory' }),
      0,
      'none of them made an order',
    );

    const ok = await t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: 'mallory' },
      body: { items: [{ sku: 'MUG-1', quantity: 1 }] },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const ready = await t.request({ method: 'GET', url: '/health/ready', user: null });
    assert.equal(ready.statusCode, 200, `still ready: ${ready.body}`);
    const list = await t.request({ method: 'GET', url: '/orders', user: { sub: 'mallory' } });
    assert.equal(json<{ items: unknown[] }>(list).items.length, 1);
  });
});
