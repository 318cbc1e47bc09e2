// One overdue order that cannot be expired does not hold back the others in the same pass.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MetricsService } from '@eventshop/service-kit';
import { ExpirePendingOrdersService } from '../../src/orders/expire-pending-orders.service';
import { json, startOrderApp, type TestApp } from '../support/order-app';

describe('pending-timeout sweep: failures are isolated per order', () => {
  let t: TestApp;
  before(async () => {
    // A long timeout: the app's own timer does not pass during the test; the test runs the pass.
    t = await startOrderApp('order-expiry-sweep-isolation', { ORDER_PENDING_TIMEOUT: '1h' });
    await t.seedCatalog([{ sku: 'SWEEP-1', priceMinor: 500 }]);
  });
  after(async () => {
    await t?.close();
  });

  async function create(): Promise<string> {
    const res = await t.request({
      method: 'POST',
      url: '/orders',
      user: {},
      body: { items: [{ sku: 'SWEEP-1', quantity: 1 }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return json<{ id: string }>(res).id;
  }

  async function failures(): Promise<number> {
    const metric = t.app
      .get(MetricsService)
      .registry.getSingleMetric('eventshop_order_expiry_failures_total');
    if (!metric) return 0;
    const { values } = await metric.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  }

  it('a broken PENDING order is logged and counted; the overdue orders after it expire', async () => {
    // The oldest overdue order is a document the domain cannot read (no lines): its transition
    // throws. It is first in the pass.
    const broken = randomUUID();
    const old = new Date(Date.now() - 3 * 3_600_000);
    await t.orders.collection.insertOne({
      _id: broken,
      userId: 'someone',
      email: 'someone@example.test',
      currency: 'EUR',
      totalMinor: 500,
      status: 'PENDING',
      createdAt: old,
      updatedAt: old,
      revision: 0,
      listKey: `${old.toISOString()}|${broken}`,
      outbox: [],
    } as never);
    const good = [await create(), await create()];
    // overdue by the domain's clock too: created two hours ago
    const earlier = new Date(Date.now() - 2 * 3_600_000);
    await t.orders.collection.updateMany({ _id: { $in: good } } as never, {
      $set: { createdAt: earlier },
    });

    const before = await failures();
    const expired = await t.app
      .get(ExpirePendingOrdersService)
      .expireOverdue(new Date(Date.now() + 2 * 3_600_000));

    assert.equal(expired, 2);
    for (const id of good) {
      const order = await t.orders.findById(id).lean().exec();
      assert.equal(order?.status, 'REJECTED', id);
    }
    assert.equal((await t.orders.findById(broken).lean().exec())?.status, 'PENDING');
    assert.equal((await failures()) - before, 1);
  });
});
