import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { outcomeEventId } from '../../src/domain/outcome-events';
import {
  CrashAfterNthStep,
  StepRecorder,
  type CrashPoints,
} from '../../src/reservations/crash-points';
import {
  eventually,
  orderCancelled,
  orderConfirmed,
  orderCreated,
  seedProduct,
  startInventory,
  type InventoryUnderTest,
} from '../support/harness';

/**
 * Crash points: the handler is interrupted after each persistence step in turn (the hook throws
 * right after step N's write), the kit sends the message through its retry tier, and the
 * redelivered run must leave exactly the state and the events of an uninterrupted run.
 */

let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-crash-points');
});
after(async () => {
  await inventory?.stop();
});

interface Run {
  orderId: string;
  /** role (A, B…) → the SKU of this run */
  skus: Record<string, string>;
  events: AnyCloudEvent[];
}

interface Scenario {
  name: string;
  stock: Record<string, number>;
  events: (run: Omit<Run, 'events'>) => AnyCloudEvent[];
  /** Something another actor does between two steps; true once it acted (once per run). */
  interfere?: (run: Run, step: string) => Promise<boolean>;
}

const scenarios: Scenario[] = [
  {
    name: 'a reservation of two SKUs',
    stock: { A: 5, B: 2 },
    events: ({ orderId, skus }) => [
      orderCreated(orderId, [
        { sku: skus['B']!, quantity: 2 },
        { sku: skus['A']!, quantity: 1 },
      ]),
    ],
  },
  {
    name: 'a refusal after a hold was taken (compensation)',
    stock: { A: 5, B: 2 },
    events: ({ orderId, skus }) => [
      orderCreated(orderId, [
        { sku: skus['A']!, quantity: 2 },
        { sku: skus['B']!, quantity: 2 },
      ]),
    ],
    // An admin writes off one unit of B once the record is created: the bulk write takes the
    // hold on A and misses B, which is short.
    interfere: async ({ skus }, step) => {
      if (step !== 'reservation-created') return false;
      const response = await inventory.http('POST', `/products/${skus['B']}/stock-adjustments`, {
        body: { delta: -1, reason: 'damaged' },
      });
      assert.equal(response.status, 201);
      return true;
    },
  },
  {
    name: 'a reservation and its cancellation',
    stock: { A: 3, B: 3 },
    events: ({ orderId, skus }) => {
      const lines = [
        { sku: skus['A']!, quantity: 2 },
        { sku: skus['B']!, quantity: 3 },
      ];
      return [orderCreated(orderId, lines), orderCancelled(orderId, lines)];
    },
  },
  {
    name: 'a reservation and its confirmation (holds become committed units)',
    stock: { A: 3, B: 3 },
    events: ({ orderId, skus }) => {
      const lines = [
        { sku: skus['A']!, quantity: 2 },
        { sku: skus['B']!, quantity: 3 },
      ];
      return [orderCreated(orderId, lines), orderConfirmed(orderId, lines)];
    },
  },
  {
    name: 'a reservation, its confirmation and its cancellation (committed units back on hand)',
    stock: { A: 3, B: 3 },
    events: ({ orderId, skus }) => {
      const lines = [
        { sku: skus['A']!, quantity: 2 },
        { sku: skus['B']!, quantity: 3 },
      ];
      return [
        orderCreated(orderId, lines),
        orderConfirmed(orderId, lines),
        orderCancelled(orderId, lines),
      ];
    },
  },
  {
    name: 'a cancellation before its reservation',
    stock: { A: 3 },
    events: ({ orderId, skus }) => {
      const lines = [{ sku: skus['A']!, quantity: 1 }];
      return [orderCancelled(orderId, lines), orderCreated(orderId, lines)];
    },
  },
];

async function newRun(scenario: Scenario): Promise<Run> {
  const suffix = randomUUID().slice(0, 8).toUpperCase();
  const skus: Record<string, string> = {};
  for (const [role, units] of Object.entries(scenario.stock)) {
    skus[role] = `CP-${role}-${suffix}`;
    await seedProduct(inventory, skus[role]!, units);
  }
  const orderId = randomUUID();
  return { orderId, skus, events: scenario.events({ orderId, skus }) };
}

/** Delivers the events one after the other, each until the service acknowledged it. */
async function play(scenario: Scenario, run: Run, points: CrashPoints): Promise<void> {
  let interfered = false;
  inventory.crashPoints.use({
    async after(step) {
      if (!interfered && scenario.interfere) interfered = await scenario.interfere(run, step);
      await points.after(step);
    },
  });
  try {
    for (const event of run.events) {
      const acked = await inventory.acked(event.type);
      await inventory.publish(event);
      await eventually(
        `${event.type} acknowledged`,
        async () => (await inventory.acked(event.type)) > acked,
      );
    }
  } finally {
    inventory.crashPoints.use({ after: () => undefined });
  }
}

/** State and events of a run, with its ids replaced by roles so runs can be compared. */
async function observe(run: Run) {
  const role = new Map<string, string>([[run.orderId, 'ORDER']]);
  for (const [name, skuId] of Object.entries(run.skus)) role.set(skuId, name);
  const rename = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
      typeof v === 'string' && role.has(v) ? role.get(v) : v,
    );

  // the relay has published everything the run wrote
  const reservation = await eventually('outbox drained', async () => {
    const doc = await inventory.reservations.findById(run.orderId).lean().exec();
    return doc && doc.outbox.length === 0 ? doc : undefined;
  });
  const skus = [];
  for (const skuId of Object.values(run.skus)) {
    const doc = await inventory.products.findById(skuId).lean().exec();
    assert.ok(doc);
    skus.push({
      sku: doc._id,
      onHand: doc.onHand,
      reserved: doc.reserved,
      available: doc.available,
      holds: doc.holds,
      holders: doc.holders,
      restockers: doc.restockers,
      restocks: doc.restocks,
    });
  }
  const events = inventory.outcomes.filter((e) => e.subject === run.orderId);
  const correlations = run.events.map((e) => e.correlationid);
  for (const event of events) {
    assert.equal(event.id, outcomeEventId(run.orderId, event.type), 'outcome ids are derived');
    assert.ok(correlations.includes(event.correlationid), 'outcome carries the correlation');
  }
  return rename({
    skus,
    reservation: {
      status: reservation.status,
      lines: reservation.lines,
      refusal: reservation.refusal,
      settled: reservation.settled,
      committed: reservation.committed,
    },
    events: events.map((e) => ({ type: e.type, data: e.data })),
  });
}

describe('crash after each persistence step, then redelivery', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: every interrupted run ends as the uninterrupted one`, async () => {
      const reference = await newRun(scenario);
      const recorder = new StepRecorder();
      await play(scenario, reference, recorder);
      const expected = await observe(reference);
      assert.ok(recorder.seen.length >= 2, `steps: ${recorder.seen.join(', ')}`);

      for (let n = 1; n <= recorder.seen.length; n += 1) {
        const run = await newRun(scenario);
        const crash = new CrashAfterNthStep(n);
        await play(scenario, run, crash);
        assert.equal(crash.crashed, true, `crashed after step ${n}`);
        assert.deepEqual(
          await observe(run),
          expected,
          `crash after step ${n} (${recorder.seen[n - 1]}) then redelivery`,
        );
      }
    });
  }
});
