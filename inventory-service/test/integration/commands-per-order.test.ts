// The database commands inventory sends for one order of two lines, on its own connection:
// order.created.v1 handled (the reservation, a hold on each SKU, the outcome event in the
// record's outbox, and the relay's removal of that entry once published), then
// order.confirmed.v1 handled (the holds become committed units, decision 0015). Each command is
// a round trip, and on FerretDB a write is an fsync; the count is the cost of the guarantees.
// Counted by the driver's command monitoring, per command and collection, printed, and bounded:
// a change that adds a command to this path fails here.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OutboxRelay } from '@eventshop/service-kit';
import type { mongo } from 'mongoose';
import {
  eventually,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

/** The most commands each event of the order may cost (the count when this was last changed). */
const BOUNDS = { 'order.created.v1': 4, 'order.confirmed.v1': 3 };

let inventory: InventoryUnderTest;
let relay: OutboxRelay;
let counting: string[] | undefined;

before(async () => {
  inventory = await startInventory('inventory-commands-per-order', {}, { monitorCommands: true });
  relay = inventory.app.get(OutboxRelay);
  const client = inventory.products.db.getClient();
  client.on('commandStarted', (event: mongo.CommandStartedEvent) => {
    counting?.push(`${event.commandName} ${collectionOf(event)}`);
  });
});
after(async () => {
  await inventory?.stop();
});

/** The collection a CRUD command names (`find: 'products'`, `getMore`'s `collection`). */
function collectionOf(event: mongo.CommandStartedEvent): string {
  const command = event.command as Record<string, unknown>;
  const target = command[event.commandName] ?? command['collection'];
  return typeof target === 'string' ? target : '-';
}

/**
 * Waits until every outbox entry written so far is published and removed. Also stops the
 * relay's sweep timers, so no sweep lands in a counted window. The start sweep may still be
 * running at the first call, and it sets its recheck timer when it ends: the second clears it.
 */
async function relayIdle(): Promise<void> {
  assert.equal(await relay.flush(10_000), true, 'relay idle');
  assert.equal(await relay.flush(10_000), true, 'relay idle');
}

/** Publishes the event and counts the commands until it is acknowledged and the relay is idle. */
async function commandsOf(
  t: TestContext,
  event: { type: string },
  publish: () => Promise<void>,
): Promise<number> {
  const acked = await inventory.acked(event.type);
  counting = [];
  await publish();
  await eventually(`${event.type} acknowledged`, async () => {
    return (await inventory.acked(event.type)) > acked;
  });
  await relayIdle();
  const seen = counting;
  counting = undefined;
  const byCommand = new Map<string, number>();
  for (const key of seen) byCommand.set(key, (byCommand.get(key) ?? 0) + 1);
  t.diagnostic(`${event.type}: ${seen.length} commands`);
  for (const [key, n] of [...byCommand].sort()) t.diagnostic(`  ${key}: ${n}`);
  return seen.length;
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
    const created = orderCreated(orderId, lines);
    const reserving = await commandsOf(t, created, () => inventory.publish(created));
    assert.ok(
      inventory.outcomes.some((e) => e.subject === orderId && e.type === 'inventory.reserved.v1'),
      'inventory.reserved.v1 published',
    );
    const confirmed = orderConfirmed(orderId, lines);
    const committing = await commandsOf(t, confirmed, () => inventory.publish(confirmed));
    t.diagnostic(`order of two lines: ${reserving + committing} commands`);

    const record = await inventory.reservations.findById(orderId).lean().exec();
    assert.deepEqual(
      [record?.status, record?.settled, record?.outbox],
      ['committed', true, []],
      'the order reserved, committed and settled',
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
    assert.ok(reserving <= BOUNDS['order.created.v1'], `order.created.v1: ${reserving} commands`);
    assert.ok(
      committing <= BOUNDS['order.confirmed.v1'],
      `order.confirmed.v1: ${committing} commands`,
    );
  });
});
