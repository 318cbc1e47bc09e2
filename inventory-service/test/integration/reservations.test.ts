import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { validateEvent, type AnyCloudEvent } from '@eventshop/events-contracts';
import { ORDER_EVENTS_QUEUE } from '../../src/messaging/order-events.consumer';
import {
  eventually,
  orderCancelled,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

/** A SKU of this run, so reruns against the same database never collide. */
const sku = (name: string) => `${name}-${randomUUID().slice(0, 8).toUpperCase()}`;

let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-reservations');
});
after(async () => {
  await inventory?.stop();
});

async function stock(skuName: string) {
  const doc = await inventory.products.findById(skuName).lean().exec();
  assert.ok(doc, `product ${skuName} exists`);
  return doc;
}

function outcomesOf(orderId: string): AnyCloudEvent[] {
  return inventory.outcomes.filter((e) => e.subject === orderId);
}

async function outcomeOf(orderId: string, type: string): Promise<AnyCloudEvent> {
  return eventually(`${type} for ${orderId}`, () =>
    outcomesOf(orderId).find((e) => e.type === type),
  );
}

async function assertConserved(skuName: string, onHand: number) {
  const doc = await stock(skuName);
  assert.equal(doc.onHand, onHand, `${skuName}: on hand`);
  assert.equal(
    doc.onHand,
    doc.available + doc.reserved,
    `${skuName}: on hand = available + reserved`,
  );
  assert.ok(doc.available >= 0, `${skuName}: available never negative`);
  const held = doc.holds.reduce((sum, h) => sum + h.quantity, 0);
  assert.equal(held, doc.reserved, `${skuName}: reserved = sum of holds`);
  assert.deepEqual(
    [...doc.holders].sort(),
    doc.holds.map((h) => h.orderId).sort(),
    `${skuName}: holders mirror holds`,
  );
}

describe('reservations driven by real events', () => {
  it('200 concurrent orders of 1 unit for 50 units: exactly 50 reserved, 150 refused', async () => {
    const hot = sku('HOT');
    await seedProduct(inventory, hot, 50);
    const orders = Array.from({ length: 200 }, () => randomUUID());
    const ackedBefore = await inventory.acked('order.created.v1');
    await Promise.all(
      orders.map((id) => inventory.publish(orderCreated(id, [{ sku: hot, quantity: 1 }]))),
    );

    // available is sampled while the orders are being served: it never goes below zero
    let lowest = Number.POSITIVE_INFINITY;
    await eventually(
      '200 outcomes',
      async () => {
        lowest = Math.min(lowest, (await stock(hot)).available);
        return orders.every((id) => outcomesOf(id).length > 0);
      },
      120_000,
    );
    assert.ok(lowest >= 0, 'available never negative');
    await eventually(
      '200 acks',
      async () => (await inventory.acked('order.created.v1')) - ackedBefore >= 200,
    );

    const types = orders.map((id) =>
      outcomesOf(id)
        .map((e) => e.type)
        .join(),
    );
    assert.equal(types.filter((t) => t === 'inventory.reserved.v1').length, 50);
    assert.equal(types.filter((t) => t === 'inventory.reservation-failed.v1').length, 150);
    const doc = await stock(hot);
    assert.equal(doc.reserved, 50);
    assert.equal(doc.available, 0);
    await assertConserved(hot, 50);
    const reserved = await inventory.reservations.countDocuments({
      _id: { $in: orders },
      status: 'reserved',
    });
    assert.equal(reserved, 50);
    for (const id of orders) {
      for (const event of outcomesOf(id))
        assert.equal(validateEvent(event).ok, true, 'valid event');
    }
    const failed = orders
      .flatMap(outcomesOf)
      .find((e) => e.type === 'inventory.reservation-failed.v1');
    assert.deepEqual(failed?.data, {
      orderId: failed?.subject,
      reason: 'insufficient_stock',
      shortLines: [{ sku: hot, requested: 1, available: 0 }],
    });
    console.log(
      `# ran against ${inventory.databaseServer}; single-document writes atomic on the server, ` +
        'whatever the pool size in MONGODB_URI',
    );
  });

  it('a multi-SKU order with one SKU short holds nothing, and says which line and how much', async () => {
    const [a, b, c] = [sku('A'), sku('B'), sku('C')];
    await seedProduct(inventory, a, 10);
    await seedProduct(inventory, b, 10);
    await seedProduct(inventory, c, 2);
    const orderId = randomUUID();
    await inventory.publish(
      orderCreated(orderId, [
        { sku: a, quantity: 3 },
        { sku: c, quantity: 5 },
        { sku: b, quantity: 1 },
      ]),
    );
    const failed = await outcomeOf(orderId, 'inventory.reservation-failed.v1');
    assert.deepEqual(failed.data, {
      orderId,
      reason: 'insufficient_stock',
      shortLines: [{ sku: c, requested: 5, available: 2 }],
    });
    await eventually(
      'settled',
      async () => (await inventory.reservations.findById(orderId).lean())?.settled,
    );
    for (const [s, units] of [
      [a, 10],
      [b, 10],
      [c, 2],
    ] as const) {
      const doc = await stock(s);
      assert.equal(doc.available, units, `${s} fully free`);
      assert.deepEqual(doc.holds, []);
      await assertConserved(s, units);
    }
  });

  it('multi-SKU orders racing for the last units of one SKU: the losers hold nothing', async () => {
    const [plenty, scarce] = [sku('PLENTY'), sku('SCARCE')];
    await seedProduct(inventory, plenty, 100);
    await seedProduct(inventory, scarce, 3);
    const orders = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(
      orders.map((id) =>
        inventory.publish(
          orderCreated(id, [
            { sku: plenty, quantity: 2 },
            { sku: scarce, quantity: 1 },
          ]),
        ),
      ),
    );
    await eventually('12 outcomes', () => orders.every((id) => outcomesOf(id).length > 0), 60_000);
    await eventually('all settled', async () => {
      const open = await inventory.reservations.countDocuments({
        _id: { $in: orders },
        settled: false,
      });
      return open === 0;
    });
    const winners = orders.filter((id) => outcomesOf(id)[0]?.type === 'inventory.reserved.v1');
    assert.equal(winners.length, 3);
    const plentyDoc = await stock(plenty);
    assert.equal(plentyDoc.reserved, 6, 'only the winners hold the plentiful SKU');
    assert.deepEqual(plentyDoc.holds.map((h) => h.orderId).sort(), [...winners].sort());
    await assertConserved(plenty, 100);
    await assertConserved(scarce, 3);
  });

  it('an unknown or inactive SKU refuses the order with unknown_product', async () => {
    const [a, off] = [sku('A'), sku('OFF')];
    await seedProduct(inventory, a, 5);
    await seedProduct(inventory, off, 5, false);
    const orderId = randomUUID();
    const missing = sku('MISSING');
    await inventory.publish(
      orderCreated(orderId, [
        { sku: a, quantity: 1 },
        { sku: off, quantity: 1 },
        { sku: missing, quantity: 1 },
      ]),
    );
    const failed = await outcomeOf(orderId, 'inventory.reservation-failed.v1');
    assert.equal((failed.data as { reason: string }).reason, 'unknown_product');
    assert.equal((await stock(a)).available, 5);
  });
});

describe('release', () => {
  it('release twice returns the stock once and emits one inventory.released.v1', async () => {
    const a = sku('A');
    await seedProduct(inventory, a, 5);
    const orderId = randomUUID();
    const lines = [{ sku: a, quantity: 4 }];
    await inventory.publish(orderCreated(orderId, lines));
    await outcomeOf(orderId, 'inventory.reserved.v1');
    assert.equal((await stock(a)).available, 1);

    const acked = await inventory.acked('order.cancelled.v1');
    const cancel = orderCancelled(orderId, lines);
    await inventory.publish(cancel);
    await inventory.publish(cancel); // the same event again
    await inventory.publish(orderCancelled(orderId, lines)); // another cancellation event
    const released = await outcomeOf(orderId, 'inventory.released.v1');
    assert.deepEqual(released.data, { orderId, lines });
    await eventually(
      '3 cancellations acked',
      async () => (await inventory.acked('order.cancelled.v1')) - acked >= 3,
    );
    await eventually(
      'settled',
      async () => (await inventory.reservations.findById(orderId).lean())?.settled,
    );
    assert.equal((await stock(a)).available, 5);
    await assertConserved(a, 5);
    assert.equal(outcomesOf(orderId).filter((e) => e.type === 'inventory.released.v1').length, 1);
  });

  it('release before reserve is remembered: the late order is refused and holds nothing', async () => {
    const a = sku('A');
    await seedProduct(inventory, a, 5);
    const orderId = randomUUID();
    const lines = [{ sku: a, quantity: 2 }];
    const acked = await inventory.acked('order.cancelled.v1');
    await inventory.publish(orderCancelled(orderId, lines));
    await eventually(
      'cancellation acked',
      async () => (await inventory.acked('order.cancelled.v1')) > acked,
    );
    assert.equal((await inventory.reservations.findById(orderId).lean())?.status, 'cancelled');
    assert.deepEqual(outcomesOf(orderId), [], 'nothing to release, nothing emitted');

    await inventory.publish(orderCreated(orderId, lines));
    const failed = await outcomeOf(orderId, 'inventory.reservation-failed.v1');
    assert.deepEqual(failed.data, { orderId, reason: 'order_cancelled', shortLines: [] });
    assert.equal((await stock(a)).available, 5);
    await assertConserved(a, 5);
  });

  it('reserve after cancel, then the order again and the cancellation again: stock conserved', async () => {
    const a = sku('A');
    await seedProduct(inventory, a, 3);
    const orderId = randomUUID();
    const lines = [{ sku: a, quantity: 3 }];
    await inventory.publish(orderCreated(orderId, lines));
    await outcomeOf(orderId, 'inventory.reserved.v1');
    await inventory.publish(orderCancelled(orderId, lines));
    await outcomeOf(orderId, 'inventory.released.v1');
    const acked = await inventory.acked('order.created.v1');
    await inventory.publish(orderCreated(orderId, lines)); // a new order.created for the same order
    await eventually(
      'late order acked',
      async () => (await inventory.acked('order.created.v1')) > acked,
    );
    await inventory.publish(orderCancelled(orderId, lines));
    await eventually(
      'settled',
      async () => (await inventory.reservations.findById(orderId).lean())?.settled,
    );
    assert.equal((await stock(a)).available, 3);
    await assertConserved(a, 3);
    assert.deepEqual(
      outcomesOf(orderId).map((e) => e.type),
      ['inventory.reserved.v1', 'inventory.released.v1'],
    );
  });
});

describe('duplicates', () => {
  it('every event delivered twice changes nothing and emits nothing twice', async () => {
    const [a, b] = [sku('A'), sku('B')];
    await seedProduct(inventory, a, 4);
    await seedProduct(inventory, b, 4);
    const reservedOrder = randomUUID();
    const refusedOrder = randomUUID();
    const confirmedOrder = randomUUID();
    const lines = [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 2 },
    ];
    const created = orderCreated(reservedOrder, lines);
    const refused = orderCreated(refusedOrder, [{ sku: a, quantity: 9 }]);
    const ackedBefore = await inventory.acked('order.created.v1');
    const cancelsBefore = await inventory.acked('order.cancelled.v1');
    const confirmsBefore = await inventory.acked('order.confirmed.v1');
    for (const event of [created, created, refused, refused]) await inventory.publish(event);
    await outcomeOf(reservedOrder, 'inventory.reserved.v1');
    await outcomeOf(refusedOrder, 'inventory.reservation-failed.v1');
    await eventually(
      '4 deliveries acked (each duplicate handled: the record shows its steps done)',
      async () => (await inventory.acked('order.created.v1')) - ackedBefore >= 4,
    );
    const cancel = orderCancelled(reservedOrder, lines);
    await inventory.publish(cancel);
    await inventory.publish(cancel);
    await outcomeOf(reservedOrder, 'inventory.released.v1');
    await eventually(
      'settled',
      async () => (await inventory.reservations.findById(reservedOrder).lean())?.settled,
    );

    // A confirmed order: one unit of each SKU leaves for good, once.
    const confirmedLines = [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ];
    const createdAgain = orderCreated(confirmedOrder, confirmedLines);
    const confirm = orderConfirmed(confirmedOrder, confirmedLines);
    await inventory.publish(createdAgain);
    await inventory.publish(createdAgain);
    await outcomeOf(confirmedOrder, 'inventory.reserved.v1');
    await inventory.publish(confirm);
    await inventory.publish(confirm);
    await eventually(
      'confirmations acked',
      async () => (await inventory.acked('order.confirmed.v1')) - confirmsBefore >= 2,
    );

    // redeliver the whole history once more, as new deliveries of the same events
    for (const event of [created, refused, cancel, createdAgain, confirm]) {
      await inventory.publish(event);
    }
    await eventually(
      'replays acked',
      async () =>
        (await inventory.acked('order.created.v1')) - ackedBefore >= 9 &&
        (await inventory.acked('order.cancelled.v1')) - cancelsBefore >= 3 &&
        (await inventory.acked('order.confirmed.v1')) - confirmsBefore >= 3,
    );
    assert.deepEqual(
      outcomesOf(reservedOrder).map((e) => e.type),
      ['inventory.reserved.v1', 'inventory.released.v1'],
    );
    assert.deepEqual(
      outcomesOf(refusedOrder).map((e) => e.type),
      ['inventory.reservation-failed.v1'],
    );
    assert.deepEqual(
      outcomesOf(confirmedOrder).map((e) => e.type),
      ['inventory.reserved.v1'],
    );
    const record = await inventory.reservations.findById(confirmedOrder).lean().exec();
    assert.deepEqual([record?.status, record?.settled], ['committed', true]);
    await assertConserved(a, 3);
    await assertConserved(b, 3);
    assert.equal((await stock(a)).available, 3);
    // The duplicates above ran their handlers: the queue keeps no processed-event markers.
    const markers = await inventory.products.db
      .collection('processed_events')
      .countDocuments({ queue: ORDER_EVENTS_QUEUE });
    assert.equal(markers, 0, 'no processed-event markers');
  });
});
