// The pending-timeout path with the real sweeper: ORDER_PENDING_TIMEOUT=1s here, and one open
// order per customer (ORDER_MAX_OPEN_PER_USER=1), freed when the order times out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@eventshop/service-kit/testing';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, type TestApp } from '../support/order-app';

describe('pending timeout', () => {
  let t: TestApp;
  let broker: Broker;
  before(async () => {
    t = await startOrderApp('order-pending-timeout', {
      ORDER_PENDING_TIMEOUT: '1s',
      ORDER_MAX_OPEN_PER_USER: '1',
    });
    broker = await connectBroker(t.scope.env.AMQP_URL);
    await t.seedCatalog([{ sku: 'CLOCK-1', priceMinor: 4200 }]);
  });
  after(async () => {
    assert.deepEqual(broker?.invalid(), [], 'every emitted event is valid against the contracts');
    await broker?.close();
    await t?.close();
  });

  const post = (sub = 'alice') =>
    t.request({
      method: 'POST',
      url: '/orders',
      user: { sub },
      body: { items: [{ sku: 'CLOCK-1', quantity: 1 }] },
    });
  async function create(sub = 'alice'): Promise<string> {
    const res = await post(sub);
    assert.equal(res.statusCode, 201, res.body);
    return json<{ id: string }>(res).id;
  }
  const get = async (id: string) =>
    json<{ status: string; rejection?: unknown; cancellation?: unknown }>(
      await t.request({ method: 'GET', url: `/orders/${id}`, user: {} }),
    );

  it('an unanswered order is REJECTED (timeout) with order.rejected.v1 and order.cancelled.v1', async () => {
    const id = await create();
    const order = await waitFor('timed out', async () => {
      const o = await get(id);
      return o.status === 'REJECTED' ? o : undefined;
    });
    assert.deepEqual(order.rejection, { reason: 'timeout', shortLines: [] });
    assert.deepEqual(order.cancellation, { reason: 'timeout' });
    const [rejected] = await broker.waitForEvents('order.rejected.v1', id);
    const [cancelled] = await broker.waitForEvents('order.cancelled.v1', id);
    assert.equal(rejected?.type === 'order.rejected.v1' && rejected.data.reason, 'timeout');
    assert.equal(cancelled?.type === 'order.cancelled.v1' && cancelled.data.reason, 'timeout');

    // A reservation that arrives after all is released.
    await broker.publish('inventory.reserved.v1', {
      orderId: id,
      lines: [{ sku: 'CLOCK-1', quantity: 1 }],
    });
    const events = await broker.waitForEvents('order.cancelled.v1', id, 2);
    assert.equal(
      events[1]?.type === 'order.cancelled.v1' && events[1].data.reason,
      'late_reservation',
    );
    assert.equal((await get(id)).status, 'REJECTED');
  });

  it('an order answered in time is not touched by the sweeper', async () => {
    const id = await create();
    await broker.publish('inventory.reserved.v1', {
      orderId: id,
      lines: [{ sku: 'CLOCK-1', quantity: 1 }],
    });
    await waitFor('confirmed', async () => (await get(id)).status === 'CONFIRMED');
    // Well past the timeout, with the sweeper running every 250 ms:
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await get(id)).status, 'CONFIRMED');
    assert.equal(
      broker
        .captured()
        .filter((e) => e.subject === id && e.type !== 'order.created.v1')
        .map((e) => e.type)
        .join(),
      'order.confirmed.v1',
    );
  });

  it("an expired order frees its customer's open-order slot", async () => {
    const id = await create('bob');
    const second = await post('bob');
    assert.equal(second.statusCode, 422, second.body);
    await waitFor('timed out', async () => {
      const res = await t.request({ method: 'GET', url: `/orders/${id}`, user: { sub: 'bob' } });
      return json<{ status: string }>(res).status === 'REJECTED';
    });
    await create('bob');
  });
});
