// Two copies of one event (a relay publishes an entry again after a crash, or two order-service
// replicas' relays both publish it) handled at the same time, here or by two replicas, with one
// of the runs interrupted right after a late write. The copy that finishes first leaves the order
// settled; what only the interrupted run would still have done must not be lost (its redelivery
// runs again, as the queue keeps no processed-event markers; the stray-stock sweeper is the
// backstop, decisions 0022 and 0027).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CrashAfterStep } from '../../src/reservations/crash-points';
import {
  eventually,
  orderCancelled,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-duplicate-deliveries', {
    STRAY_STOCK_SWEEP_INTERVAL: '300ms',
  });
});
after(async () => {
  inventory?.crashPoints.use({ after: () => undefined });
  await inventory?.stop();
});

/** A gate a run waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return { opened, open, arrived, reached };
}

async function ackedOnce(type: string, publish: () => Promise<void>, times = 1): Promise<void> {
  const before = await inventory.acked(type);
  await publish();
  await eventually(
    `${type} acknowledged`,
    async () => (await inventory.acked(type)) >= before + times,
  );
}

describe('two copies of an event, one run interrupted', () => {
  it('a hold pushed late by an interrupted copy of order.created is returned although the other copy settled the order', async () => {
    const sku = `DUP-${randomUUID().slice(0, 8).toUpperCase()}`;
    await seedProduct(inventory, sku, 3);
    const orderId = randomUUID();
    const lines = [{ sku, quantity: 1 }];
    const created = orderCreated(orderId, lines);

    // Copy 1 creates the record and waits; copy 2 reserves; the cancellation releases; then
    // copy 1 goes on with its stale record, pushes a hold on the released stock and is
    // interrupted before it finds out (the lost-race check that would return the hold).
    const paused = gate();
    let holdsTaken = 0;
    inventory.crashPoints.use({
      async after(step) {
        if (step === 'reservation-created') {
          paused.reached();
          await paused.opened;
        }
        if (step === 'holds-taken' && ++holdsTaken === 2) {
          throw new CrashAfterStep(step, holdsTaken);
        }
      },
    });
    const createdBefore = await inventory.acked('order.created.v1');
    await inventory.publish(created);
    await paused.arrived;
    await ackedOnce('order.created.v1', () => inventory.publish(created));
    await ackedOnce('order.cancelled.v1', () => inventory.publish(orderCancelled(orderId, lines)));
    paused.open();
    // Copy 1 fails after the late hold, goes through a retry tier and comes back: acknowledged.
    await eventually(
      'both copies acknowledged',
      async () => (await inventory.acked('order.created.v1')) >= createdBefore + 2,
    );
    assert.equal(holdsTaken, 2, 'the interrupted copy pushed a late hold');

    const record = await inventory.reservations.findById(orderId).lean().exec();
    assert.equal(record?.status, 'released');
    assert.equal(record?.settled, true);
    const product = await eventually(
      'the late hold returned',
      async () => {
        const doc = await inventory.products.findById(sku).lean().exec();
        return doc && doc.holds.length === 0 ? doc : undefined;
      },
      5_000,
    );
    assert.deepEqual(
      { onHand: product.onHand, reserved: product.reserved, available: product.available },
      { onHand: 3, reserved: 0, available: 3 },
    );
    assert.deepEqual(product.holders, []);
  });

  it("a restock put back late by an interrupted copy of a committed order's cancellation is taken back although the other copy settled the order", async () => {
    const suffix = randomUUID().slice(0, 8).toUpperCase();
    const [x, y] = [`DUPX-${suffix}`, `DUPY-${suffix}`];
    await seedProduct(inventory, x, 3);
    await seedProduct(inventory, y, 3);
    const orderId = randomUUID();
    const lines = [
      { sku: x, quantity: 1 },
      { sku: y, quantity: 1 },
    ];
    await ackedOnce('order.created.v1', () => inventory.publish(orderCreated(orderId, lines)));
    await ackedOnce('order.confirmed.v1', () => inventory.publish(orderConfirmed(orderId, lines)));

    // Copy 1 stores `released` and waits; copy 2 puts X back and waits; copy 1 counts copy 2's
    // restock of X, puts Y back, settles and clears the markers; copy 2 then puts Y back a second
    // time (its marker is gone) and is interrupted before it finds its restock not counted.
    const first = gate();
    const second = gate();
    let restocksOfY = 0;
    let storedOnce = false;
    let xOnce = false;
    inventory.crashPoints.use({
      async after(step) {
        if (step === 'outcome-stored' && !storedOnce) {
          storedOnce = true;
          first.reached();
          await first.opened;
        }
        if (step === `restocked:${x}` && !xOnce) {
          xOnce = true;
          second.reached();
          await second.opened;
        }
        if (step === `restocked:${y}` && ++restocksOfY === 2) {
          throw new CrashAfterStep(step, restocksOfY);
        }
      },
    });
    const cancelled = orderCancelled(orderId, lines);
    const cancelledBefore = await inventory.acked('order.cancelled.v1');
    await inventory.publish(cancelled);
    await first.arrived;
    await inventory.publish(cancelled);
    await second.arrived;
    first.open();
    await eventually(
      'the first copy acknowledged',
      async () => (await inventory.acked('order.cancelled.v1')) >= cancelledBefore + 1,
    );
    second.open();
    await eventually(
      'both copies acknowledged',
      async () => (await inventory.acked('order.cancelled.v1')) >= cancelledBefore + 2,
    );
    assert.equal(restocksOfY, 2, 'the interrupted copy put Y back a second time');

    const record = await inventory.reservations.findById(orderId).lean().exec();
    assert.equal(record?.status, 'released');
    assert.equal(record?.settled, true);
    for (const sku of [x, y]) {
      const product = await eventually(
        `${sku}: the uncounted restock taken back`,
        async () => {
          const doc = await inventory.products.findById(sku).lean().exec();
          return doc && doc.restocks.length === 0 && doc.onHand === 3 ? doc : undefined;
        },
        5_000,
      );
      assert.deepEqual(
        { onHand: product.onHand, reserved: product.reserved, available: product.available },
        { onHand: 3, reserved: 0, available: 3 },
        sku,
      );
      assert.deepEqual(product.restockers, [], sku);
      assert.deepEqual(product.holds, [], sku);
    }
  });
});
