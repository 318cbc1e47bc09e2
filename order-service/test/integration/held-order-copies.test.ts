// A replica decides a transition on the copy of the order it holds (it created or last changed
// the order), without reading it. Two replicas on one database show why that stays correct when
// the other replica changed the order since: a write on an out-of-date copy is refused by the
// revision guard and decided again on a read, and a decision to change nothing is never taken
// on a held copy alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyReservationFailed, applyReserved } from '../../src/domain/order';
import { OrderTransitions } from '../../src/orders/order-transitions';
import { json, startOrderApp, startOrderReplica, type TestApp } from '../support/order-app';

describe('held copies of orders with two replicas', () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    a = await startOrderApp('order-held-copies');
    b = await startOrderReplica(a.scope);
    await a.seedCatalog([{ sku: 'HELD-1', priceMinor: 500 }]);
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  /** An order created on replica a (which holds it PENDING), cancelled on replica b. */
  async function cancelledElsewhere(): Promise<string> {
    const created = await a.request({
      method: 'POST',
      url: '/orders',
      user: {},
      body: { items: [{ sku: 'HELD-1', quantity: 1 }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = json<{ id: string }>(created).id;
    const cancelled = await b.request({ method: 'POST', url: `/orders/${id}/cancel`, user: {} });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    return id;
  }

  it('a reservation decided on an out-of-date copy is refused by the revision and decided again', async () => {
    const id = await cancelledElsewhere();
    const outcome = await a.app.get(OrderTransitions).apply(id, applyReserved);
    assert.equal(outcome.kind, 'changed');
    assert.equal(outcome.kind === 'changed' && outcome.before.status, 'CANCELLED');
    const stored = await a.orders.findById(id).lean().exec();
    assert.equal(stored?.status, 'CANCELLED', 'not confirmed after the cancellation');
    assert.equal(stored?.reservation, 'reserved', 'the late reservation is recorded');
  });

  it('"nothing to do" on a held copy is decided again on the stored order', async () => {
    const id = await cancelledElsewhere();
    // On the held copy (PENDING) a refusal for a cancellation the order did not emit changes
    // nothing; on the stored one (CANCELLED) the answer is recorded so a later one is moot.
    const outcome = await a.app
      .get(OrderTransitions)
      .apply(id, (order, now) =>
        applyReservationFailed(order, { reason: 'order_cancelled', shortLines: [] }, now),
      );
    assert.equal(outcome.kind, 'changed');
    assert.equal((await a.orders.findById(id).lean().exec())?.reservation, 'failed');
  });
});
