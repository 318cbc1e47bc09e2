import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { heldUnits } from '../../src/domain/holds';
import {
  CrashAfterNthStep,
  CrashAfterStep,
  StepRecorder,
  type CrashPoints,
} from '../../src/reservations/crash-points';
import { CommitStockService } from '../../src/reservations/commit-stock.service';
import { ReleaseStockService } from '../../src/reservations/release-stock.service';
import { ReserveStockService } from '../../src/reservations/reserve-stock.service';
import { InMemoryReservationStore } from '../support/in-memory-store';

const ORDER = '11111111-2222-4333-8444-555555555555';

type Step = (store: InMemoryReservationStore, crash: CrashPoints) => Promise<unknown>;

const reserve =
  (lines: { sku: string; quantity: number }[], orderId = ORDER): Step =>
  (store, crash) =>
    new ReserveStockService(store, crash).reserve({ orderId, lines });
const cancel =
  (orderId = ORDER): Step =>
  (store, crash) =>
    new ReleaseStockService(store, crash).release({ orderId });
const confirm =
  (orderId = ORDER): Step =>
  (store, crash) =>
    new CommitStockService(store, crash).commit({ orderId });

/** Runs the events in order, delivering each until it completes (a crash means redelivery). */
async function deliver(store: InMemoryReservationStore, events: Step[], crash?: CrashPoints) {
  for (const event of events) {
    for (;;) {
      try {
        await event(store, crash ?? new StepRecorder());
        break;
      } catch (error) {
        if (!(error instanceof CrashAfterStep)) throw error;
      }
    }
  }
}

function assertConsistent(store: InMemoryReservationStore) {
  for (const sku of store.skus.values()) {
    assert.equal(sku.onHand, sku.available + sku.reserved, `${sku.sku} on hand`);
    assert.ok(sku.available >= 0 && sku.reserved >= 0, `${sku.sku} not negative`);
    assert.equal(heldUnits(sku.holds), sku.reserved, `${sku.sku} holds = reserved`);
    // a restock marker lives only while its release is being settled
    assert.equal(sku.restocks.length, sku.restockers.length, `${sku.sku} restock markers`);
    for (const orderId of sku.restockers) {
      const record = store.reservations.get(orderId);
      assert.ok(record?.status === 'released' && !record.settled, `${sku.sku} restock marker`);
    }
  }
}

interface Scenario {
  name: string;
  stock: Record<string, number>;
  events: Step[];
  expect: (store: InMemoryReservationStore) => void;
  /** Set up once per fresh store, e.g. a rival that takes stock before the run's hold. */
  arrange?: (store: InMemoryReservationStore) => void;
}

const RIVAL = '77777777-2222-4333-8444-555555555555';

const scenarios: Scenario[] = [
  {
    name: 'reserve two SKUs',
    stock: { A: 5, B: 2 },
    events: [
      reserve([
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 1 },
      ]),
    ],
    expect: (store) => {
      assert.equal(store.reservations.get(ORDER)?.status, 'reserved');
      assert.deepEqual(
        store.outbox.map((e) => e.type),
        ['inventory.reserved.v1'],
      );
      assert.equal(store.skus.get('A')?.available, 4);
      assert.equal(store.skus.get('B')?.available, 0);
    },
  },
  {
    name: 'multi-SKU order with the last SKU short',
    stock: { A: 5, B: 5, C: 1 },
    events: [
      reserve([
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 1 },
        { sku: 'C', quantity: 2 },
      ]),
    ],
    expect: (store) => {
      const record = store.reservations.get(ORDER);
      assert.equal(record?.status, 'refused');
      assert.equal(record?.settled, true);
      assert.deepEqual(store.outbox[0]?.data, {
        orderId: ORDER,
        reason: 'insufficient_stock',
        shortLines: [{ sku: 'C', requested: 2, available: 1 }],
      });
      for (const sku of store.skus.values()) assert.deepEqual(sku.holds, []);
    },
  },
  {
    name: 'multi-SKU order losing the last unit to a rival before its hold (compensation)',
    stock: { A: 5, B: 1, C: 1 },
    arrange: (store) => {
      store.beforeFirstHold = (sku) => {
        if (sku === 'B') store.rivalHold('B', RIVAL, 1);
      };
    },
    events: [
      reserve([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'C', quantity: 1 },
      ]),
    ],
    expect: (store) => {
      const record = store.reservations.get(ORDER);
      assert.equal(record?.status, 'refused');
      assert.deepEqual(
        store.outbox.map((e) => e.data),
        [
          {
            orderId: ORDER,
            reason: 'insufficient_stock',
            shortLines: [{ sku: 'B', requested: 1, available: 0 }],
          },
        ],
      );
      assert.equal(store.skus.get('A')?.available, 5, 'the hold on A was given back');
      assert.deepEqual(store.skus.get('A')?.holds, []);
      assert.deepEqual(store.skus.get('B')?.holds, [{ orderId: RIVAL, quantity: 1 }]);
      assert.equal(store.skus.get('C')?.available, 1, 'the hold on C was given back');
    },
  },
  {
    name: 'reserve then cancel',
    stock: { A: 3, B: 3 },
    events: [
      reserve([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
      cancel(),
    ],
    expect: (store) => {
      assert.equal(store.reservations.get(ORDER)?.status, 'released');
      assert.equal(store.reservations.get(ORDER)?.settled, true);
      assert.deepEqual(
        store.outbox.map((e) => e.type),
        ['inventory.reserved.v1', 'inventory.released.v1'],
      );
      assert.equal(store.skus.get('A')?.available, 3);
      assert.equal(store.skus.get('B')?.available, 3);
    },
  },
  {
    name: 'reserve then confirm: the holds become committed units',
    stock: { A: 3, B: 3 },
    events: [
      reserve([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
      confirm(),
    ],
    expect: (store) => {
      const record = store.reservations.get(ORDER);
      assert.equal(record?.status, 'committed');
      assert.equal(record?.settled, true);
      assert.deepEqual(
        store.outbox.map((e) => e.type),
        ['inventory.reserved.v1'],
      );
      assert.deepEqual(store.skus.get('A'), {
        sku: 'A',
        active: true,
        onHand: 1,
        reserved: 0,
        available: 1,
        holds: [],
        restockers: [],
        restocks: [],
      });
      assert.equal(store.skus.get('B')?.onHand, 0);
      assert.deepEqual(store.skus.get('B')?.holds, []);
    },
  },
  {
    name: 'reserve, confirm, then cancel: the committed units come back',
    stock: { A: 3, B: 3 },
    events: [
      reserve([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
      confirm(),
      cancel(),
    ],
    expect: (store) => {
      const record = store.reservations.get(ORDER);
      assert.equal(record?.status, 'released');
      assert.equal(record?.committed, true);
      assert.equal(record?.settled, true);
      assert.deepEqual(
        store.outbox.map((e) => e.type),
        ['inventory.reserved.v1', 'inventory.released.v1'],
      );
      for (const sku of ['A', 'B']) {
        const doc = store.skus.get(sku);
        assert.deepEqual(
          [doc?.onHand, doc?.available, doc?.reserved, doc?.holds, doc?.restocks],
          [3, 3, 0, [], []],
          sku,
        );
      }
    },
  },
  {
    name: 'reserve, cancel, then a late confirm: nothing is committed',
    stock: { A: 3 },
    events: [reserve([{ sku: 'A', quantity: 2 }]), cancel(), confirm()],
    expect: (store) => {
      assert.equal(store.reservations.get(ORDER)?.status, 'released');
      assert.equal(store.reservations.get(ORDER)?.committed, undefined);
      assert.deepEqual(
        [store.skus.get('A')?.onHand, store.skus.get('A')?.available, store.skus.get('A')?.holds],
        [3, 3, []],
      );
    },
  },
  {
    name: 'cancel before reserve',
    stock: { A: 3 },
    events: [cancel(), reserve([{ sku: 'A', quantity: 1 }])],
    expect: (store) => {
      assert.equal(store.reservations.get(ORDER)?.status, 'refused');
      assert.deepEqual(
        store.outbox.map((e) => e.data),
        [{ orderId: ORDER, reason: 'order_cancelled', shortLines: [] }],
      );
      assert.equal(store.skus.get('A')?.available, 3);
    },
  },
];

describe('reservation runs: outcomes', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const store = seeded(scenario.stock, scenario.arrange);
      await deliver(store, scenario.events);
      scenario.expect(store);
      assertConsistent(store);
    });
  }
});

describe('reservation runs: a crash after any step, then redelivery, gives the uninterrupted result', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const reference = seeded(scenario.stock, scenario.arrange);
      const recorder = new StepRecorder();
      await deliver(reference, scenario.events, recorder);
      assert.ok(recorder.seen.length >= 2, 'the scenario has steps to interrupt');
      for (let n = 1; n <= recorder.seen.length; n += 1) {
        const store = seeded(scenario.stock, scenario.arrange);
        const crash = new CrashAfterNthStep(n);
        await deliver(store, scenario.events, crash);
        assert.equal(crash.crashed, true, `crashed after step ${n}`);
        assert.deepEqual(
          store.snapshot(),
          reference.snapshot(),
          `crash after step ${n} (${crash.seen[n - 1]})`,
        );
        assertConsistent(store);
      }
    });
  }
});

describe('reservation runs: a bulk write cut short after any statement, then redelivery, gives the uninterrupted result', () => {
  // A cancellation before its reservation writes no hold: nothing to cut.
  for (const scenario of scenarios.filter((s) => s.name !== 'cancel before reserve')) {
    it(scenario.name, async () => {
      const reference = seeded(scenario.stock, scenario.arrange);
      await deliver(reference, scenario.events);
      assert.ok(reference.bulkStatements >= 2, 'the scenario has bulk statements to cut');
      for (let n = 1; n <= reference.bulkStatements; n += 1) {
        const store = seeded(scenario.stock, scenario.arrange);
        store.interruptBulkAfter = n;
        await deliver(store, scenario.events);
        assert.ok(store.bulkStatements >= n, `cut after statement ${n}`);
        assert.deepEqual(store.snapshot(), reference.snapshot(), `cut after statement ${n}`);
        assertConsistent(store);
      }
    });
  }
});

describe('reservation runs: duplicates', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: every event delivered twice changes nothing more`, async () => {
      const reference = seeded(scenario.stock, scenario.arrange);
      await deliver(reference, scenario.events);
      const store = seeded(scenario.stock, scenario.arrange);
      await deliver(
        store,
        scenario.events.flatMap((event) => [event, event]),
      );
      assert.deepEqual(store.snapshot(), reference.snapshot());
      // and a full replay of the whole history once more
      await deliver(store, scenario.events);
      assert.deepEqual(store.snapshot(), reference.snapshot());
    });
  }

  it('release twice returns the stock once', async () => {
    const store = seeded({ A: 4 });
    await deliver(store, [reserve([{ sku: 'A', quantity: 3 }]), cancel(), cancel()]);
    assert.equal(store.skus.get('A')?.available, 4);
    assert.equal(store.outbox.filter((e) => e.type === 'inventory.released.v1').length, 1);
  });

  it('a cancelled, refused order is not released again, and a second order keeps its stock', async () => {
    const other = randomUUID();
    const store = seeded({ A: 4 });
    await deliver(store, [
      reserve([{ sku: 'A', quantity: 3 }], other),
      reserve([{ sku: 'A', quantity: 2 }]),
      cancel(),
    ]);
    assert.equal(store.reservations.get(ORDER)?.status, 'refused');
    assert.equal(store.skus.get('A')?.available, 1);
    assert.deepEqual(store.skus.get('A')?.holds, [{ orderId: other, quantity: 3 }]);
  });

  for (const [name, redeliver] of [
    ['order.created', reserve([{ sku: 'A', quantity: 2 }])],
    ['order.cancelled', cancel()],
  ] as const) {
    it(`a hold left by a dead concurrent copy after the refusal settled is returned by a later ${name}`, async () => {
      const store = seeded({ A: 1 });
      await deliver(store, [reserve([{ sku: 'A', quantity: 2 }])]);
      assert.equal(store.reservations.get(ORDER)?.settled, true);
      store.skus.get('A')!.onHand += 2; // restocked, then a copy of the run pushed and died
      store.skus.get('A')!.available += 2;
      store.rivalHold('A', ORDER, 2);
      await deliver(store, [redeliver]);
      assert.deepEqual(store.skus.get('A')?.holds, []);
      assert.equal(store.skus.get('A')?.available, 3);
      assert.equal(store.outbox.length, 1, 'nothing emitted again');
      assertConsistent(store);
    });
  }

  it('an unknown or inactive SKU refuses with unknown_product and holds nothing', async () => {
    const store = seeded({ A: 4 });
    store.addSku('OFF', 9, false);
    await deliver(store, [
      reserve([
        { sku: 'A', quantity: 1 },
        { sku: 'OFF', quantity: 1 },
        { sku: 'NOPE', quantity: 1 },
      ]),
    ]);
    assert.deepEqual(store.outbox[0]?.data, {
      orderId: ORDER,
      reason: 'unknown_product',
      shortLines: [
        { sku: 'NOPE', requested: 1, available: 0 },
        { sku: 'OFF', requested: 1, available: 0 },
      ],
    });
    assert.equal(store.skus.get('A')?.available, 4);
  });
});

describe('reservation runs: interleaved concurrent runs', () => {
  it('200 orders of 1 unit against 50 units: exactly 50 reserved', async () => {
    const store = new InMemoryReservationStore(randomYield(7));
    store.addSku('HOT', 50);
    const orders = Array.from({ length: 200 }, () => randomUUID());
    await Promise.all(
      orders.map((id) => reserve([{ sku: 'HOT', quantity: 1 }], id)(store, new StepRecorder())),
    );
    const statuses = orders.map((id) => store.reservations.get(id)?.status);
    assert.equal(statuses.filter((s) => s === 'reserved').length, 50);
    assert.equal(statuses.filter((s) => s === 'refused').length, 150);
    assert.equal(store.skus.get('HOT')?.available, 0);
    assertConsistent(store);
  });

  it('a confirmation racing its cancellation and duplicates conserves stock, whatever the interleaving', async () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const store = new InMemoryReservationStore(randomYield(seed));
      store.addSku('A', 3);
      store.addSku('B', 3);
      const lines = [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ];
      await deliver(store, [reserve(lines)]);
      const runs =
        seed % 2 ? [confirm(), confirm(), cancel()] : [confirm(), reserve(lines), cancel()];
      await Promise.all(runs.map((run) => run(store, new StepRecorder())));
      await deliver(store, runs);
      assertConsistent(store);
      const record = store.reservations.get(ORDER);
      assert.equal(record?.status, 'released', `seed ${seed}`);
      assert.equal(record?.settled, true, `seed ${seed}`);
      for (const sku of ['A', 'B']) {
        const doc = store.skus.get(sku);
        assert.deepEqual(
          [doc?.onHand, doc?.available, doc?.holds, doc?.restocks],
          [3, 3, [], []],
          `seed ${seed}: ${sku} back`,
        );
      }
    }
  });

  it('copies of the cancellation of a confirmed order at once restock each line once', async () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const store = new InMemoryReservationStore(randomYield(seed));
      store.addSku('A', 3);
      store.addSku('B', 3);
      const lines = [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ];
      await deliver(store, [reserve(lines), confirm()]);
      const copies = seed % 3 ? [cancel(), cancel()] : [cancel(), cancel(), cancel()];
      await Promise.all(copies.map((run) => run(store, new StepRecorder())));
      assertConsistent(store);
      for (const sku of ['A', 'B']) {
        const doc = store.skus.get(sku);
        assert.deepEqual(
          [doc?.onHand, doc?.available, doc?.restockers, doc?.restocks],
          [3, 3, [], []],
          `seed ${seed}: ${sku}`,
        );
      }
      assert.equal(store.outbox.filter((e) => e.type === 'inventory.released.v1').length, 1);
    }
  });

  it('1,000 confirmed orders leave no hold on the SKU: its size follows the pending orders', async () => {
    const store = seeded({ HOT: 10_000 });
    const pending = Array.from({ length: 5 }, () => randomUUID());
    for (let i = 0; i < 1_000; i += 1) {
      const id = randomUUID();
      await deliver(store, [reserve([{ sku: 'HOT', quantity: 2 }], id), confirm(id)]);
    }
    for (const id of pending) await deliver(store, [reserve([{ sku: 'HOT', quantity: 1 }], id)]);
    const doc = store.skus.get('HOT');
    assert.deepEqual(
      doc?.holds.map((h) => h.orderId),
      pending,
    );
    assert.deepEqual([doc?.onHand, doc?.reserved, doc?.available], [8_000, 5, 7_995]);
    assertConsistent(store);
  });

  it('duplicates and a cancellation racing a reservation conserve stock, whatever the interleaving', async () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const store = new InMemoryReservationStore(randomYield(seed));
      store.addSku('A', 3);
      store.addSku('B', 3);
      const lines = [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ];
      const runs = [reserve(lines), reserve(lines), cancel(), seed % 2 ? reserve(lines) : cancel()];
      await Promise.all(runs.map((run) => run(store, new StepRecorder())));
      // redeliver everything once more, as a broker would after an unacked crash
      await deliver(store, runs);
      const record = store.reservations.get(ORDER);
      assertConsistent(store);
      assert.ok(record?.status === 'released' || record?.status === 'refused', `seed ${seed}`);
      assert.equal(store.skus.get('A')?.available, 3, `seed ${seed}: A back`);
      assert.equal(store.skus.get('B')?.available, 3, `seed ${seed}: B back`);
      const types = store.outbox.map((e) => e.type);
      assert.equal(new Set(store.outbox.map((e) => e.id)).size, types.length, 'no event twice');
      assert.ok(
        types.join() === 'inventory.reserved.v1,inventory.released.v1' ||
          types.join() === 'inventory.reservation-failed.v1',
        `seed ${seed}: ${types.join()}`,
      );
    }
  });
});

function seeded(
  stock: Record<string, number>,
  arrange?: (store: InMemoryReservationStore) => void,
): InMemoryReservationStore {
  const store = new InMemoryReservationStore();
  for (const [sku, units] of Object.entries(stock)) store.addSku(sku, units);
  arrange?.(store);
  return store;
}

/** A deterministic pseudo-random scheduler: each step waits 0..3 turns of the event loop. */
function randomYield(seed: number): () => Promise<void> {
  let state = seed;
  return async () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    for (let turns = state % 4; turns > 0; turns -= 1) await new Promise(setImmediate);
  };
}
