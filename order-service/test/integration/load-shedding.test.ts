// Load shedding of POST /orders (decision 0038): a saga answered later than ORDER_MAX_SAGA_DELAY
// makes new orders be refused with 429 `overloaded` and Retry-After for the next interval, and
// only inventory's answers count: quick answers and timeouts refuse nothing.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { problemType } from '@eventshop/service-kit';
import { waitFor } from '@eventshop/service-kit/testing';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, type TestApp } from '../support/order-app';

const MAX_DELAY_MS = 1_000;

describe('load shedding by the saga delay', () => {
  let t: TestApp;
  let broker: Broker;
  before(async () => {
    t = await startOrderApp('order-load-shedding', {
      ORDER_MAX_SAGA_DELAY: `${MAX_DELAY_MS}ms`,
      ORDER_PENDING_TIMEOUT: '2s',
    });
    broker = await connectBroker(t.scope.env.AMQP_URL);
    await t.seedCatalog([{ sku: 'LAMP-1', priceMinor: 3000 }]);
  });
  after(async () => {
    assert.deepEqual(broker?.invalid(), [], 'every emitted event is valid against the contracts');
    await broker?.close();
    await t?.close();
  });

  const create = () =>
    t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: 'shed' },
      body: { items: [{ sku: 'LAMP-1', quantity: 1 }] },
    });
  const created = async (): Promise<string> => {
    const res = await create();
    assert.equal(res.statusCode, 201, res.body);
    return json<{ id: string }>(res).id;
  };
  const statusOf = async (id: string) =>
    json<{ status: string; rejection?: { reason: string } }>(
      await t.request({ method: 'GET', url: `/orders/${id}`, user: { sub: 'shed' } }),
    );
  const reserve = async (id: string) => {
    await broker.publish('inventory.reserved.v1', {
      orderId: id,
      lines: [{ sku: 'LAMP-1', quantity: 1 }],
    });
    await waitFor(`order ${id} confirmed`, async () => (await statusOf(id)).status === 'CONFIRMED');
  };
  /** Places an order every 100 ms for `ms`; the answers' status codes. */
  const placeFor = async (ms: number) => {
    const codes: number[] = [];
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
      codes.push((await create()).statusCode);
    }
    return codes;
  };

  it('a quick answer refuses nothing', async () => {
    await reserve(await created());
    const codes = await placeFor(2_500);
    assert.deepEqual([...new Set(codes)], [201], codes.join());
  });

  it('an answer later than the limit refuses new orders with 429 overloaded and Retry-After, then admits again', async () => {
    const slow = await created();
    await sleep(MAX_DELAY_MS + 300);
    await reserve(slow);
    let refused: Awaited<ReturnType<typeof create>> | undefined;
    for (const end = Date.now() + 3_000; !refused && Date.now() < end; await sleep(50)) {
      const res = await create();
      if (res.statusCode === 429) refused = res;
      else assert.equal(res.statusCode, 201, res.body);
    }
    assert.ok(refused, 'a new order was refused within two intervals of the slow answer');
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`);
    const problem = json<{ type: string; status: number; detail: string }>(refused);
    assert.equal(problem.type, problemType('overloaded'));
    assert.equal(problem.status, 429);
    assert.match(problem.detail, /over the limit of 1 s/);
    // No answer in the next interval: nothing says the saga is still slow.
    await waitFor('orders admitted again', async () => (await create()).statusCode === 201, 3_000);
    const metrics = await t.request({ method: 'GET', url: '/metrics', user: null });
    const shed = /^eventshop_orders_shed_total (\d+)/m.exec(metrics.body);
    assert.ok(shed && Number(shed[1]) >= 1, 'refusals are counted');
  });

  it('an order rejected by its timeout is not a slow answer', async () => {
    const late = await created();
    await waitFor(
      `order ${late} rejected by its timeout`,
      async () => (await statusOf(late)).rejection?.reason === 'timeout',
      10_000,
    );
    const codes = await placeFor(2_500);
    assert.deepEqual([...new Set(codes)], [201], codes.join());
  });
});
