// The fault suite's checks (e2e/chaos/invariants.ts) on hand-made observations: a clean run has
// no violation, and each kind of damage is counted in its own row. Pure; no system is started.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkInvariants, formatTable, type Observed, type Row } from '../chaos/invariants';
import type { Customer, PlacedOrder } from '../chaos/load';
import type { ReceivedMail } from '../chaos/mailbox';
import type { Order } from '../src';

const alice: Customer = { userId: 'alice', email: 'alice@chaos.test', token: 't' };
const ids = {
  confirmed: 'aaaaaaaa-0000-4000-8000-000000000001',
  rejected: 'bbbbbbbb-0000-4000-8000-000000000002',
  cancelled: 'cccccccc-0000-4000-8000-000000000003',
};

function placed(id: string, sku: string, quantity: number, seenConfirmed = false): PlacedOrder {
  return { id, customer: alice, items: [{ sku, quantity }], attempts: 1, seenConfirmed };
}

function order(id: string, status: Order['status']): Order {
  return { id, userId: 'alice', status, currency: 'EUR', totalMinor: 100, lines: [] };
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
    mails: [
      mail(ids.confirmed, 'confirmed', 'm1'),
      mail(ids.rejected, 'rejected', 'm2'),
      mail(ids.cancelled, 'confirmed', 'm3'),
      mail(ids.cancelled, 'cancelled', 'm4'),
    ],
    deadLetters: new Map([
      ['inventory.order-events.dlq', { expected: ['p-1', 'p-2'], found: ['p-2', 'p-1'] }],
    ]),
    leftInQueues: [],
    faults: [{ fault: { kind: 'kill', service: 'order-service' }, atMs: 1, tookMs: 2 }],
    plannedFaults: 1,
    unknownOrders: new Set(),
    unreadable: [],
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
    const row = mailRow([...others, cancelled, late]);
    assert.equal(row.violations, 1, 'confirmation mailed after the cancellation');
    assert.match(row.details[0]!, /confirmed 1, rejected 0, cancelled 1/);
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
});
