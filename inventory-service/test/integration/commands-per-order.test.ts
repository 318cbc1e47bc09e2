// The database commands inventory sends for one order of two lines, on its own connection:
// order.created.v1 handled (the reservation, a hold on each SKU, the outcome event in the
// record's outbox), then order.confirmed.v1 handled (the holds become committed units, decision
// 0015) and the relay's removal of the published outcome, which the commitment's write takes
// along (decision 0030). Each command is a round trip, and on FerretDB a write is an fsync; the
// count is the cost of the guarantees. Counted by the driver's command monitoring, per command
// and collection, printed, and bounded: a change that adds a command to this path fails here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OutboxRelay } from '@eventshop/service-kit';
import { CommandCounter, describeCounts, total } from '@eventshop/service-kit/testing';
import {
  eventually,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

/** The most commands the order may cost (the count when this was last changed). */
const BOUND = 6;

let inventory: InventoryUnderTest;
let relay: OutboxRelay;
let counter: CommandCounter;

before(async () => {
  inventory = await startInventory('inventory-commands-per-order', {}, { monitorCommands: true });
  relay = inventory.app.get(OutboxRelay);
  counter = new CommandCounter(inventory.products.db);
});
after(async () => {
  await inventory?.stop();
});

/**
 * Waits until every outbox entry written so far is published and removed. Also stops the
 * relay's sweep timers, so no sweep lands in a counted window. The start sweep may still be
 * running at the first call, and it sets its recheck timer when it ends: the second clears it.
 */
async function relayIdle(): Promise<void> {
  assert.equal(await relay.flush(10_000), true, 'relay idle');
  assert.equal(await relay.flush(10_000), true, 'relay idle');
}

/** Publishes the event and waits until inventory acknowledged it. */
async function handled(event: { type: string }, publish: () => Promise<void>): Promise<void> {
  const acked = await inventory.acked(event.type);
  await publish();
  await eventually(`${event.type} acknowledged`, async () => {
    return (await inventory.acked(event.type)) > acked;
  });
}

describe('database commands per order', () => {
  it('an order of two lines, reserved then confirmed, stays within its command budget', async (t) => {
    const suffix = randomUUID().slice(0, 8).toUpperCase();
    const [a, b] = [`CMD-A-${suffix}`, `CMD-B-${suffix}`];
    await seedProduct(inventory, a, 5);
    await seedProduct(inventory, b, 5);
    await relayIdle();

    const orderId = randomUUID();
    const lines = [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ];
    // As in the saga: order-service answers the published outcome within milliseconds, well
    // inside the relay's removal delay.
    counter.start();
    const created = orderCreated(orderId, lines);
    await handled(created, () => inventory.publish(created));
    await eventually('inventory.reserved.v1 published', () =>
      inventory.outcomes.some((e) => e.subject === orderId && e.type === 'inventory.reserved.v1'),
    );
    const reserving = counter.stop();
    counter.start();
    const confirmed = orderConfirmed(orderId, lines);
    await handled(confirmed, () => inventory.publish(confirmed));
    await relayIdle();
    const committing = counter.stop();
    t.diagnostic(`order.created.v1 until its outcome is published:\n${describeCounts(reserving)}`);
    t.diagnostic(`order.confirmed.v1 until the relay is idle:\n${describeCounts(committing)}`);

    const record = await inventory.reservations.findById(orderId).lean().exec();
    assert.deepEqual(
      [record?.status, record?.settled, record?.outbox],
      ['committed', true, []],
      'the order reserved, committed and settled, its outbox empty',
    );
    for (const [sku, left] of [
      [a, 3],
      [b, 4],
    ] as const) {
      const product = await inventory.products.findById(sku).lean().exec();
      assert.deepEqual(
        [product?.onHand, product?.reserved, product?.available, product?.holds],
        [left, 0, left, []],
        sku,
      );
    }
    const commands = total(reserving) + total(committing);
    assert.ok(commands <= BOUND, `the order cost ${commands} commands (at most ${BOUND})`);
  });
});
