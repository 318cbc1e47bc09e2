// The pending-timeout sweep with two replicas on one database and one vhost (they compete for
// the same queues): an order created by a replica that then dies is still expired by the other,
// and neither replica's due list keeps orders past their due time. ORDER_PENDING_TIMEOUT=1s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GuardedWrites } from '@eventshop/service-kit';
import { waitFor } from '@eventshop/service-kit/testing';
import { PendingDueList } from '../../src/orders/pending-due-list';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, startOrderReplica, type TestApp } from '../support/order-app';

const ENV = { ORDER_PENDING_TIMEOUT: '1s' };

describe('pending timeout with two replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let aClosed = false;
  let broker: Broker;
  before(async () => {
    a = await startOrderApp('order-pending-replicas', ENV);
    b = await startOrderReplica(a.scope, ENV);
    broker = await connectBroker(a.scope.env.AMQP_URL);
    await a.seedCatalog([{ sku: 'DESK-1', priceMinor: 9000 }]);
  });
  after(async () => {
    assert.deepEqual(broker?.invalid(), [], 'every emitted event is valid against the contracts');
    await broker?.close();
    await b?.close();
    if (aClosed) await a?.scope.dispose();
    else await a?.close();
  });

  const listOf = (t: TestApp) => t.app.get(PendingDueList);
  /** The replica has run its first sweep (on FerretDB: loaded its due list by one scan). */
  const sweptOnce = async (t: TestApp) =>
    !(await t.app.get(GuardedWrites).onFerretDb()) || listOf(t).loaded;
  const create = async (t: TestApp): Promise<string> => {
    const res = await t.request({
      method: 'POST',
      url: '/orders',
      user: {},
      body: { items: [{ sku: 'DESK-1', quantity: 1 }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return json<{ id: string }>(res).id;
  };
  const status = async (t: TestApp, id: string) =>
    json<{ status: string }>(await t.request({ method: 'GET', url: `/orders/${id}`, user: {} }))
      .status;

  it("confirmed orders leave both replicas' due lists by their due time, whichever replica confirmed them", async () => {
    await waitFor(
      'both replicas swept once',
      async () => (await sweptOnce(a)) && (await sweptOnce(b)),
    );
    const ids = [await create(a), await create(a), await create(b), await create(b)];
    for (const id of ids) {
      await broker.publish('inventory.reserved.v1', {
        orderId: id,
        lines: [{ sku: 'DESK-1', quantity: 1 }],
      });
    }
    for (const id of ids) {
      await waitFor('confirmed', async () => (await status(a, id)) === 'CONFIRMED');
    }
    await waitFor('both due lists empty', async () => listOf(a).size === 0 && listOf(b).size === 0);
    for (const id of ids) assert.equal(await status(b, id), 'CONFIRMED');
  });

  it('an order of a replica that died is expired by the other one', async () => {
    await waitFor(
      'both replicas swept once',
      async () => (await sweptOnce(a)) && (await sweptOnce(b)),
    );
    const id = await create(a);
    // Replica a goes away before the order is due (its database and vhost stay: b uses them);
    // only b is left to expire it, and b's due list does not hold it.
    await a.app.close();
    aClosed = true;
    assert.equal(
      listOf(b)
        .overdue(new Date(Date.now() + 3_600_000), 10)
        .includes(id),
      false,
    );
    await waitFor('expired by the other replica', async () => (await status(b, id)) === 'REJECTED');
  });
});
