// The fault suite's checks (e2e/chaos/invariants.ts) on hand-made observations: a clean run has
// no violation, and each kind of damage is counted in its own row. Pure; no system is started.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { faultPlan } from '../chaos/faults';
import {
  checkInvariants,
  formatTable,
  type Observed,
  type ProductDocument,
  type Row,
} from '../chaos/invariants';
import type { Customer, PlacedOrder } from '../chaos/load';
import type { ReceivedMail } from '../chaos/mailbox';
import { formatTimeline, overlaps } from '../chaos/timeline';
import { SERVICE_NAMES, type Order } from '../src';

const alice: Customer = { userId: 'alice', email: 'alice@chaos.test', token: 't' };
const ids = {
  confirmed: 'aaaaaaaa-0000-4000-8000-000000000001',
  rejected: 'bbbbbbbb-0000-4000-8000-000000000002',
  cancelled: 'cccccccc-0000-4000-8000-000000000003',
  pending: 'eeeeeeee-0000-4000-8000-000000000005',
};

const noHolds: ProductDocument = {
  reserved: 0,
  holds: [],
  holders: [],
  restockers: [],
  restocks: [],
};

function placed(id: string, sku: string, quantity: number, seenConfirmed = false): PlacedOrder {
  return { id, customer: alice, items: [{ sku, quantity }], attempts: 1, seenConfirmed };
}

function order(
  id: string,
  status: Order['status'],
  lines: { sku: string; quantity: number }[] = [],
): Order {
  return {
    id,
    userId: 'alice',
    status,
    currency: 'EUR',
    totalMinor: 100,
    lines: lines.map((l) => ({ ...l, unitPriceMinor: 100 })),
  };
}

function mail(
  id: string,
  kind: 'confirmed' | 'rejected' | 'cancelled',
  messageId: string,
  created = `2026-01-01T00:00:0${messageId.slice(-1)}Z`,
) {
  const words = {
    confirmed: 'is confirmed',
    rejected: 'could not be accepted',
    cancelled: 'has been cancelled',
  };
  const reference = id.slice(0, 8).toUpperCase();
  return {
    id: messageId,
    messageId,
    to: alice.email,
    subject: `Your EventShop order ${reference} ${words[kind]}`,
    kind,
    reference,
    created,
  } satisfies ReceivedMail;
}

function clean(): Observed {
  return {
    placed: [
      placed(ids.confirmed, 'SKU-A', 2),
      placed(ids.rejected, 'SKU-A', 50),
      placed(ids.cancelled, 'SKU-A', 1, true),
    ],
    finalOrders: new Map([
      [ids.confirmed, order(ids.confirmed, 'CONFIRMED')],
      [ids.rejected, order(ids.rejected, 'REJECTED')],
      [ids.cancelled, order(ids.cancelled, 'CANCELLED')],
    ]),
    orphans: [],
    refused: [],
    unanswered: [],
    products: [{ sku: 'SKU-A', priceMinor: 100, stock: 10 }],
    stock: new Map([
      [
        'SKU-A',
        {
          sku: 'SKU-A',
          name: 'A',
          priceMinor: 100,
          currency: 'EUR',
          active: true,
          onHand: 8,
          reserved: 0,
          available: 8,
        },
      ],
    ]),
    productDocuments: new Map([['SKU-A', noHolds]]),
    mails: [
      mail(ids.confirmed, 'confirmed', 'm1'),
      mail(ids.rejected, 'rejected', 'm2'),
      mail(ids.cancelled, 'confirmed', 'm3'),
      mail(ids.cancelled, 'cancelled', 'm4'),
    ],
    notificationRecords: [
      ...['m1', 'm2', 'm3', 'm4'].map((m) => ({
        eventId: `e-${m}`,
        messageId: `<${m}>`,
        status: 'sent',
      })),
      { eventId: 'e-skipped', messageId: '<m0>', status: 'skipped' },
    ],
    deadLetters: new Map([
      ['inventory.order-events.dlq', { expected: ['p-1', 'p-2'], found: ['p-2', 'p-1'] }],
    ]),
    leftInQueues: [],
    faults: [
      { fault: { kind: 'kill', service: 'order-service', replica: 2 }, startMs: 1, endMs: 3 },
    ],
    plannedFaults: 1,
    unknownOrders: new Set(),
    unreadable: [],
    readiness: [
      { pod: 'order-service-1', status: 200 },
      { pod: 'order-service-2', status: 200 },
    ],
  };
}

const violations = (rows: Row[]) =>
  Object.fromEntries(rows.filter((r) => r.violations > 0).map((r) => [r.invariant, r.violations]));

describe('fault suite invariants', () => {
  test('a clean run has no violation, and the table shows every row', () => {
    const rows = checkInvariants(clean());
    assert.deepEqual(violations(rows), {});
    const table = formatTable(rows);
    for (const r of rows) assert.ok(table.includes(r.invariant));
  });

  test('an order stuck PENDING and one that vanished are violations', () => {
    const o = clean();
    const finalOrders = new Map(o.finalOrders);
    finalOrders.set(ids.rejected, order(ids.rejected, 'PENDING'));
    finalOrders.set(ids.cancelled, undefined);
    const rows = checkInvariants({ ...o, finalOrders });
    const v = violations(rows);
    assert.equal(v['accepted orders are CONFIRMED, REJECTED or CANCELLED'], 2);
    assert.equal(v['every 201 kept its order (GET /orders/:id is 200)'], 1);
  });

  test('stock that is not conserved is counted per SKU', () => {
    const o = clean();
    const stock = new Map(o.stock);
    stock.set('SKU-A', { ...stock.get('SKU-A')!, onHand: 10, reserved: 2, available: 8 });
    const row = checkInvariants({ ...o, stock }).find((r) => r.invariant.startsWith('stock'))!;
    assert.equal(row.violations, 1);
    assert.match(row.details[0]!, /expected onHand 8 reserved 0 available 8, found 10\/2\/8/);
  });

  test('a missing, a second or a stray e-mail is a violation; a resend with the same Message-ID is not', () => {
    const o = clean();
    const mailRow = (mails: readonly ReceivedMail[]) =>
      checkInvariants({ ...o, mails }).find((r) => r.invariant.startsWith('one e-mail'))!;
    assert.equal(mailRow(o.mails.slice(1)).violations, 1, 'confirmed e-mail missing');
    assert.equal(
      mailRow([...o.mails, mail(ids.confirmed, 'confirmed', 'm9')]).violations,
      1,
      'two distinct confirmations',
    );
    assert.equal(mailRow([...o.mails, { ...o.mails[0]!, id: 'copy' }]).violations, 0);
    const stray = { ...mail(ids.confirmed, 'confirmed', 'm8'), reference: 'FFFFFFFF' };
    assert.equal(mailRow([...o.mails, stray]).violations, 1);
  });

  test('a cancelled order: its confirmation may go unmailed, but never mailed after the cancellation', () => {
    const o = clean();
    const mailRow = (mails: readonly ReceivedMail[]) =>
      checkInvariants({ ...o, mails }).find((r) => r.invariant.startsWith('one e-mail'))!;
    const others = o.mails.filter((m) => m.reference !== ids.cancelled.slice(0, 8).toUpperCase());
    const cancelled = mail(ids.cancelled, 'cancelled', 'm4', '2026-01-01T00:00:04Z');
    // Confirmed before the cancellation: fine; none at all: fine (handled after it, skipped).
    assert.equal(mailRow(o.mails).violations, 0);
    assert.equal(mailRow([...others, cancelled]).violations, 0, 'confirmation not mailed');
    const late = mail(ids.cancelled, 'confirmed', 'm3', '2026-01-01T00:00:05Z');
    const rows = checkInvariants({ ...o, mails: [...others, cancelled, late] });
    assert.deepEqual(violations(rows), {
      'no e-mail contradicts the final state of its order': 1,
    });
    const row = rows.find((r) => r.invariant.startsWith('no e-mail contradicts'))!;
    assert.match(
      row.details[0]!,
      new RegExp(
        `order ${ids.cancelled} CANCELLED: a confirmed e-mail received 2026-01-01T00:00:05Z, ` +
          'after the cancellation \\(2026-01-01T00:00:04.000Z\\)',
      ),
    );
    assert.equal(mailRow(others).violations, 1, 'cancellation not mailed');
  });

  test('a DLQ missing poison or holding anything else is a violation', () => {
    const o = clean();
    const deadLetters = new Map([
      [
        'inventory.order-events.dlq',
        { expected: ['p-1', 'p-2'], found: ['p-1', 'order.created.v1 (exhausted)'] },
      ],
    ]);
    const row = checkInvariants({ ...o, deadLetters }).find((r) => r.invariant.startsWith('DLQs'))!;
    assert.equal(row.violations, 2);
  });

  test('requests without a definitive answer, orphans, left-over messages and failed faults count', () => {
    const o = clean();
    const rows = checkInvariants({
      ...o,
      unanswered: ['key-1'],
      orphans: ['dddddddd-0000-4000-8000-000000000004'],
      leftInQueues: [{ name: 'inventory.order-events', messages: 3 }],
      faults: [{ ...o.faults[0]!, error: 'not ready' }],
      unreadable: ['product SKU-A: fetch failed'],
    });
    const v = violations(rows);
    assert.equal(v['every order request got 201 in the end (same Idempotency-Key)'], 1);
    assert.equal(v['no stored order the client was not told about'], 1);
    assert.equal(v['work and retry queues drained'], 1);
    assert.equal(v['every fault was inflicted and recovered from'], 1);
    assert.equal(v['the end state could be read (every service answers)'], 1);
  });

  test("a product document's holds must be exactly the lines of the PENDING orders", () => {
    const o = clean();
    const finalOrders = new Map(o.finalOrders);
    finalOrders.set(ids.pending, order(ids.pending, 'PENDING', [{ sku: 'SKU-A', quantity: 3 }]));
    const withPending = {
      ...o,
      placed: [...o.placed, placed(ids.pending, 'SKU-A', 3)],
      finalOrders,
    };
    const holdsRow = (doc: ProductDocument) =>
      checkInvariants({ ...withPending, productDocuments: new Map([['SKU-A', doc]]) }).find((r) =>
        r.invariant.startsWith('product documents'),
      )!;
    const held: ProductDocument = {
      ...noHolds,
      reserved: 3,
      holds: [{ orderId: ids.pending, quantity: 3 }],
      holders: [ids.pending],
    };
    assert.equal(holdsRow(held).violations, 0, 'the pending order held, nothing else');
    assert.equal(holdsRow(noHolds).violations, 1, 'the pending order holds nothing');
    assert.match(holdsRow(noHolds).details.join('\n'), /no hold for pending order eeeeeeee/);
    const leaked = holdsRow({
      ...held,
      reserved: 5,
      holds: [...held.holds, { orderId: ids.confirmed, quantity: 2 }],
      holders: [...held.holders, ids.confirmed],
    });
    assert.equal(leaked.violations, 1, 'one SKU');
    assert.match(leaked.details[0]!, /holds 2 for order aaaaaaaa.* which is CONFIRMED/);
    const wrong = holdsRow({ ...held, holds: [{ orderId: ids.pending, quantity: 2 }] });
    assert.match(wrong.details.join('\n'), /holds 2 for pending order .*its lines 3/);
    assert.match(wrong.details.join('\n'), /reserved 3, its holds add up to 2/);
    const twice = holdsRow({
      ...held,
      reserved: 6,
      holds: [...held.holds, ...held.holds],
      holders: [ids.pending, ids.pending],
    });
    assert.match(twice.details.join('\n'), /a second hold of order eeeeeeee/);
    const strayHolder = holdsRow({ ...held, holders: [ids.pending, ids.rejected] });
    assert.match(strayHolder.details.join('\n'), /holders .* differ from the holds/);
    const marker = holdsRow({ ...held, restockers: [ids.cancelled] });
    assert.match(marker.details.join('\n'), /restock markers left/);
    const missing = checkInvariants({ ...withPending, productDocuments: new Map() });
    assert.equal(
      violations(missing)["product documents hold exactly their PENDING orders' lines"],
      1,
    );
  });

  test('an e-mail that contradicts the final state is a violation of its own row', () => {
    const o = clean();
    const contradictions = (mails: readonly ReceivedMail[]) =>
      checkInvariants({ ...o, mails }).find((r) =>
        r.invariant.startsWith('no e-mail contradicts'),
      )!;
    assert.equal(contradictions(o.mails).violations, 0);
    const cancelledConfirmed = contradictions([...o.mails, mail(ids.confirmed, 'cancelled', 'm5')]);
    assert.equal(cancelledConfirmed.violations, 1);
    assert.match(cancelledConfirmed.details[0]!, /CONFIRMED: a cancelled e-mail/);
    assert.equal(
      contradictions([...o.mails, mail(ids.rejected, 'confirmed', 'm6')]).violations,
      1,
      'a rejected order confirmed by e-mail',
    );
    assert.equal(
      contradictions([...o.mails, mail(ids.cancelled, 'rejected', 'm7')]).violations,
      1,
      'a cancelled order rejected by e-mail',
    );
    // An order still PENDING has no final state to contradict (the rows above count it).
    const finalOrders = new Map(o.finalOrders);
    finalOrders.set(ids.confirmed, order(ids.confirmed, 'PENDING'));
    const pending = checkInvariants({ ...o, finalOrders }).find((r) =>
      r.invariant.startsWith('no e-mail contradicts'),
    )!;
    assert.equal(pending.violations, 0);
  });

  test('a pod that is not ready at the end is a violation', () => {
    const o = clean();
    const rows = checkInvariants({
      ...o,
      readiness: [
        { pod: 'order-service-1', status: 503 },
        { pod: 'order-service-2', status: 0 },
        { pod: 'inventory-service-1', status: 200 },
      ],
    });
    const row = rows.find((r) => r.invariant.startsWith("every pod's readiness"))!;
    assert.equal(row.violations, 2);
    assert.deepEqual(row.details, ['order-service-1: HTTP 503', 'order-service-2: no answer']);
  });
  test('a notification record must say sent exactly when its e-mail reached the sink', () => {
    const o = clean();
    const recordsRow = (notificationRecords: Observed['notificationRecords']) =>
      checkInvariants({ ...o, notificationRecords }).find((r) =>
        r.invariant.startsWith('notification records'),
      )!;
    assert.equal(recordsRow(o.notificationRecords).violations, 0);
    const [m1, m2, m3, m4] = o.notificationRecords;
    const skippedButMailed = recordsRow([{ ...m1!, status: 'skipped' }, m2!, m3!, m4!]);
    assert.equal(skippedButMailed.violations, 1);
    assert.match(
      skippedButMailed.details[0]!,
      /e-m1: recorded skipped, but its e-mail <m1> was delivered/,
    );
    const sentNotMailed = recordsRow([
      ...o.notificationRecords,
      { eventId: 'e-x', messageId: '<m9>', status: 'sent' },
    ]);
    assert.match(
      sentNotMailed.details.join('\n'),
      /e-x: recorded sent, no e-mail <m9> in the sink/,
    );
    const stillSending = recordsRow([
      ...o.notificationRecords,
      { eventId: 'e-y', messageId: '<m8>', status: 'sending' },
    ]);
    assert.match(stillSending.details.join('\n'), /e-y: still sending/);
    const unrecorded = recordsRow([m1!, m2!, m3!]);
    assert.match(unrecorded.details.join('\n'), /e-mail <m4> has no notification record/);
  });
});

describe('fault plan and timeline', () => {
  test('the plan kills every service twice on both pods and overlaps the infrastructure faults', () => {
    const plan = faultPlan({
      withInfra: true,
      replicas: 2,
      longOutageMs: 95_000,
      burstFactor: 10,
      burstMs: 30_000,
    });
    const faults = plan.flat().map((f) => f.fault);
    for (const service of SERVICE_NAMES) {
      const pods = faults.flatMap((f) =>
        f.kind === 'kill' && f.service === service ? [f.replica] : [],
      );
      assert.deepEqual(pods.sort(), [1, 2], service);
    }
    const act = (test: (kinds: string[]) => boolean) =>
      plan.find((a) =>
        test(a.map((f) => `${f.fault.kind}:${'part' in f.fault ? f.fault.part : ''}`)),
      );
    const longOutage = act((k) => k.includes('outage:database') && k.includes('restart:rabbitmq'));
    assert.ok(longOutage, 'a broker restart inside a database outage');
    const outage = longOutage.find((f) => f.fault.kind === 'outage')!;
    const restart = longOutage.find((f) => f.fault.kind === 'restart')!;
    assert.ok(outage.fault.kind === 'outage' && outage.fault.ms >= 90_000);
    assert.ok(restart.atMs > 0 && restart.atMs < 90_000, 'the restart starts inside the outage');
    const brokerDown = act((k) => k.includes('outage:rabbitmq') && k.includes('kill:'));
    assert.ok(brokerDown, 'a SIGKILL while the broker is down');
    const burst = act((k) => k.includes('burst:') && k.includes('kill:'));
    assert.ok(burst, 'a SIGKILL during the burst');
    assert.ok(faults.some((f) => f.kind === 'burst' && f.factor === 10 && f.ms === 30_000));
    assert.ok(faults.some((f) => f.kind === 'restart' && f.part === 'database'));

    const without = faultPlan({
      withInfra: false,
      replicas: 2,
      longOutageMs: 1,
      burstFactor: 10,
      burstMs: 1,
    });
    assert.ok(without.flat().every((f) => f.fault.kind === 'kill' || f.fault.kind === 'burst'));
    assert.equal(without.flat().filter((f) => f.fault.kind === 'kill').length, 6);
  });

  test('the timeline draws each span on one axis and names the faults that overlap', () => {
    const spans = [
      { label: 'database down 95 s', startMs: 10_000, endMs: 105_000 },
      { label: 'restart rabbitmq', startMs: 40_000, endMs: 55_000 },
      { label: 'SIGKILL order-service-1', startMs: 110_000, endMs: 118_000, error: 'not ready' },
      { label: 'poison ×3 published', startMs: 50_000, endMs: 50_000 },
    ];
    const text = formatTimeline(spans, 120_000, 12);
    const lines = text.split('\n');
    const bar = (label: string) => /\|([.=^]+)\|/.exec(lines.find((l) => l.startsWith(label))!)![1];
    assert.equal(bar('database down'), '.==========.');
    assert.equal(bar('restart rabbitmq'), '....==......');
    assert.equal(bar('poison'), '.....^......');
    assert.match(text, /SIGKILL order-service-1 +110\.0 +118\.0 .*FAILED: not ready/);
    assert.deepEqual(overlaps(spans), [['database down 95 s', 'restart rabbitmq']]);
  });
});
