import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { CommitStockService } from '../../src/reservations/commit-stock.service';
import { ReserveStockService } from '../../src/reservations/reserve-stock.service';
import {
  eventually,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

/**
 * A confirmed order's holds leave the SKU (docs/decisions/0015): a product document's size
 * follows its pending orders, not every order it ever served. HOLD_LIFECYCLE_ORDERS sets how
 * many orders the size test confirms (5,000 for the figure in the decision record).
 */
const ORDERS = Number(process.env['HOLD_LIFECYCLE_ORDERS'] ?? 100);
const PENDING = 20;

let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-hold-lifecycle');
});
after(async () => {
  await inventory?.stop();
});

const sku = (name: string) => `${name}-${randomUUID().slice(0, 8).toUpperCase()}`;

async function documentBytes(id: string): Promise<number> {
  const raw = await inventory.products.collection.findOne({ _id: id } as never);
  assert.ok(raw, `product ${id}`);
  return mongo.BSON.calculateObjectSize(raw);
}

describe('hold lifecycle', () => {
  it('order.confirmed.v1 on the queue turns the holds into committed units', async () => {
    const a = sku('HL-A');
    await seedProduct(inventory, a, 5);
    const orderId = randomUUID();
    const lines = [{ sku: a, quantity: 2 }];
    await inventory.publish(orderCreated(orderId, lines));
    await eventually('reserved', () =>
      inventory.outcomes.find((e) => e.subject === orderId && e.type === 'inventory.reserved.v1'),
    );
    await inventory.publish(orderConfirmed(orderId, lines));
    const record = await eventually('committed', async () => {
      const doc = await inventory.reservations.findById(orderId).lean().exec();
      return doc?.status === 'committed' && doc.settled ? doc : undefined;
    });
    assert.equal(record.committed, true);
    const product = await inventory.products.findById(a).lean().exec();
    assert.deepEqual(
      [product?.onHand, product?.reserved, product?.available, product?.holds, product?.holders],
      [3, 0, 3, [], []],
    );
  });

  it(`after ${ORDERS} confirmed orders a SKU carries only the holds of its pending orders`, async () => {
    const hot = sku('HL-HOT');
    await seedProduct(inventory, hot, 1_000_000);
    // The seed's event leaves the outbox once published (up to a second later, decision 0030).
    await eventually('seed event published and removed', async () => {
      const raw = await inventory.products.collection.findOne({ _id: hot } as never);
      return (raw?.['outbox'] as unknown[] | undefined)?.length === 0;
    });
    const reserve = inventory.app.get(ReserveStockService);
    const commit = inventory.app.get(CommitStockService);
    const empty = await documentBytes(hot);

    const pending = Array.from({ length: PENDING }, () => randomUUID());
    for (const orderId of pending)
      await reserve.reserve({ orderId, lines: [{ sku: hot, quantity: 1 }] });
    const withPending = await documentBytes(hot);

    // Each order is reserved, then confirmed, as the saga does.
    const confirmed = Array.from({ length: ORDERS }, () => randomUUID());
    for (const orderId of confirmed) {
      await reserve.reserve({ orderId, lines: [{ sku: hot, quantity: 1 }] });
      await commit.commit({ orderId });
    }
    const after = await documentBytes(hot);
    // Before confirmations settled holds, the confirmed orders' holds stayed on the document:
    // the same document with them still there (built in memory, sized by the driver's BSON).
    const raw = await inventory.products.collection.findOne({ _id: hot } as never);
    const before = mongo.BSON.calculateObjectSize({
      ...raw,
      holds: [...raw!['holds'], ...confirmed.map((orderId) => ({ orderId, quantity: 1 }))],
      holders: [...raw!['holders'], ...confirmed],
    });

    console.log(
      `product document bytes: empty ${empty}, ${PENDING} pending ${withPending}, ` +
        `after ${ORDERS} confirmed orders ${after} (with their holds kept, as before: ${before})`,
    );
    const product = await inventory.products.findById(hot).lean().exec();
    assert.deepEqual(product?.holds.map((h) => h.orderId).sort(), [...pending].sort());
    assert.deepEqual(
      [product?.onHand, product?.reserved, product?.available],
      [1_000_000 - ORDERS, PENDING, 1_000_000 - ORDERS - PENDING],
    );
    assert.equal(after, withPending, 'the size is that of the pending orders alone');
    assert.ok(before > withPending + ORDERS * 50, 'each kept hold costs bytes');
  });
});
