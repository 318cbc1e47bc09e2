// The invariants checked after the run has gone quiet, each as one row: what was expected, what
// was found, how many violations, and details of the first few.
import type { Order, Product as StockView } from '../src';
import type { FaultRecord } from './faults';
import { describeFault } from './faults';
import type { PlacedOrder, Product } from './load';
import type { ReceivedMail } from './mailbox';

export interface Row {
  readonly invariant: string;
  readonly expected: number;
  readonly actual: number;
  readonly violations: number;
  readonly details: string[];
}

const MAX_DETAILS = 8;

function row(
  invariant: string,
  expected: number,
  actual: number,
  problems: readonly string[],
  violations = problems.length,
): Row {
  return { invariant, expected, actual, violations, details: problems.slice(0, MAX_DETAILS) };
}

export interface Observed {
  readonly placed: readonly PlacedOrder[];
  /** GET /orders/:id at the end, by order id (undefined: not found). */
  readonly finalOrders: ReadonlyMap<string, Order | undefined>;
  /** Orders the customers' listings show that no 201 announced. */
  readonly orphans: readonly string[];
  readonly refused: readonly { key: string; status: number; body: string }[];
  readonly unanswered: readonly string[];
  readonly products: readonly Product[];
  readonly stock: ReadonlyMap<string, StockView>;
  readonly mails: readonly ReceivedMail[];
  /** Poison markers each DLQ must hold, and the markers (or descriptions) it holds. */
  readonly deadLetters: ReadonlyMap<string, { expected: string[]; found: string[] }>;
  readonly leftInQueues: readonly { name: string; messages: number }[];
  readonly faults: readonly FaultRecord[];
  readonly plannedFaults: number;
  /** Orders whose state could not be read at the end (their service did not answer). */
  readonly unknownOrders: ReadonlySet<string>;
  /** Parts of the end state that could not be read, with the error. */
  readonly unreadable: readonly string[];
}

const TERMINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);

export function checkInvariants(o: Observed): Row[] {
  const rows: Row[] = [];
  const accepted = o.placed.length;

  const lost = o.placed.filter(
    (p) => o.finalOrders.get(p.id) === undefined && !o.unknownOrders.has(p.id),
  );
  const unknown = o.placed.filter((p) => o.unknownOrders.has(p.id));
  rows.push(
    row(
      'every 201 kept its order (GET /orders/:id is 200)',
      accepted,
      accepted - lost.length - unknown.length,
      [
        ...lost.map((p) => `order ${p.id} answered 201, now not found`),
        ...unknown.map((p) => `order ${p.id} could not be read`),
      ],
    ),
  );

  const requests = accepted + o.refused.length + o.unanswered.length;
  rows.push(
    row('every order request got 201 in the end (same Idempotency-Key)', requests, accepted, [
      ...o.refused.map((r) => `${r.key}: HTTP ${r.status} ${r.body}`),
      ...o.unanswered.map((k) => `${k}: no definitive answer before the deadline`),
    ]),
  );

  rows.push(
    row(
      'no stored order the client was not told about',
      0,
      o.orphans.length,
      o.orphans.map((id) => `order ${id} is stored but no request got it`),
    ),
  );

  const stuck = o.placed.filter((p) => {
    const status = o.finalOrders.get(p.id)?.status;
    return status !== undefined && !TERMINAL.has(status);
  });
  rows.push(
    row(
      'accepted orders are CONFIRMED, REJECTED or CANCELLED',
      accepted,
      accepted - stuck.length - lost.length - unknown.length,
      [
        ...stuck.map((p) => `order ${p.id} is ${o.finalOrders.get(p.id)?.status}`),
        ...lost.map((p) => `order ${p.id} not found`),
        ...unknown.map((p) => `order ${p.id} could not be read`),
      ],
    ),
  );

  rows.push(stockRow(o));
  rows.push(mailRow(o));
  rows.push(deadLetterRow(o));

  rows.push(
    row(
      'work and retry queues drained',
      0,
      o.leftInQueues.reduce((sum, q) => sum + q.messages, 0),
      o.leftInQueues.map((q) => `${q.name}: ${q.messages} message(s) left`),
    ),
  );

  rows.push(
    row(
      'the end state could be read (every service answers)',
      0,
      o.unreadable.length,
      o.unreadable,
    ),
  );

  const failed = o.faults.filter((f) => f.error !== undefined);
  rows.push(
    row(
      'every fault was inflicted and recovered from',
      o.plannedFaults,
      o.faults.length - failed.length,
      failed.map((f) => `${describeFault(f.fault)}: ${f.error}`),
      o.plannedFaults - (o.faults.length - failed.length),
    ),
  );
  return rows;
}

/**
 * Stock is conserved per SKU: nothing adjusts stock during the run, and no order is pending at
 * the end, so nothing is reserved; the units of the orders that ended CONFIRMED left on-hand as
 * committed units (a REJECTED or CANCELLED order holds nothing once its release went through):
 * on hand = available = initial − confirmed units.
 */
function stockRow(o: Observed): Row {
  const problems: string[] = [];
  for (const product of o.products) {
    const view = o.stock.get(product.sku);
    let confirmed = 0;
    for (const p of o.placed) {
      if (o.finalOrders.get(p.id)?.status !== 'CONFIRMED') continue;
      for (const item of p.items) if (item.sku === product.sku) confirmed += item.quantity;
    }
    if (!view) {
      problems.push(`${product.sku}: not found`);
      continue;
    }
    const want = {
      onHand: product.stock - confirmed,
      reserved: 0,
      available: product.stock - confirmed,
    };
    if (
      view.onHand !== want.onHand ||
      view.reserved !== want.reserved ||
      view.available !== want.available
    ) {
      problems.push(
        `${product.sku}: expected onHand ${want.onHand} reserved ${want.reserved} available ` +
          `${want.available}, found ${view.onHand}/${view.reserved}/${view.available}`,
      );
    }
  }
  return row(
    'stock conserved per SKU (on hand = available = initial − confirmed units)',
    o.products.length,
    o.products.length - problems.length,
    problems,
  );
}

/**
 * One e-mail per terminal outcome, counted by distinct Message-ID (a resend after a crash between
 * send and record carries the same Message-ID: docs/decisions/0006): CONFIRMED → confirmed;
 * REJECTED → rejected (a timeout's compensating cancellation is not mailed); CANCELLED →
 * cancelled, plus confirmed when the customer saw it confirmed first (when it was cancelled
 * right after creation, a confirmed e-mail may or may not precede, but at most one).
 */
function mailRow(o: Observed): Row {
  const problems: string[] = [];
  const byOrder = new Map<string, ReceivedMail[]>();
  const owner = new Map<string, string>();
  for (const p of o.placed) {
    owner.set(`${p.customer.email.toLowerCase()} ${p.id.slice(0, 8).toUpperCase()}`, p.id);
  }
  for (const m of o.mails) {
    const id = owner.get(`${m.to.toLowerCase()} ${m.reference}`);
    if (!id || m.kind === 'other') {
      problems.push(`stray e-mail to ${m.to}: ${m.subject}`);
      continue;
    }
    byOrder.set(id, [...(byOrder.get(id) ?? []), m]);
  }
  let expected = 0;
  let matched = 0;
  for (const p of o.placed) {
    const status = o.finalOrders.get(p.id)?.status;
    const mails = byOrder.get(p.id) ?? [];
    const distinct = (kind: string) =>
      new Set(mails.filter((m) => m.kind === kind).map((m) => m.messageId)).size;
    const got = {
      confirmed: distinct('confirmed'),
      rejected: distinct('rejected'),
      cancelled: distinct('cancelled'),
    };
    let ok: boolean;
    let note = '';
    switch (status) {
      case 'CONFIRMED':
        expected += 1;
        ok = got.confirmed === 1 && got.rejected === 0 && got.cancelled === 0;
        break;
      case 'REJECTED':
        expected += 1;
        ok = got.confirmed === 0 && got.rejected === 1 && got.cancelled === 0;
        break;
      case 'CANCELLED': {
        // A confirmation the notification service handles only after the cancellation is not
        // mailed (it would contradict the order's state); one mailed after it is a violation.
        const confirmedAt = mails.find((m) => m.kind === 'confirmed')?.created;
        const cancelledAt = mails.find((m) => m.kind === 'cancelled')?.created;
        const contradicts =
          !!confirmedAt && !!cancelledAt && Date.parse(confirmedAt) > Date.parse(cancelledAt);
        expected += 1 + Math.min(got.confirmed, 1);
        ok = got.cancelled === 1 && got.rejected === 0 && got.confirmed <= 1 && !contradicts;
        if (contradicts) note = ' (the confirmation mailed after the cancellation)';
        break;
      }
      default:
        continue; // counted by the rows above
    }
    matched += got.confirmed + got.rejected + got.cancelled;
    if (!ok) {
      problems.push(
        `order ${p.id} ${status}${p.seenConfirmed ? ' (seen CONFIRMED)' : ''}: ` +
          `confirmed ${got.confirmed}, rejected ${got.rejected}, cancelled ${got.cancelled} e-mail(s)` +
          note,
      );
    }
  }
  return row(
    'one e-mail per terminal outcome, none contradicting the order (distinct Message-IDs)',
    expected,
    matched,
    problems,
  );
}

function deadLetterRow(o: Observed): Row {
  const problems: string[] = [];
  let expected = 0;
  let found = 0;
  for (const [queue, { expected: want, found: got }] of o.deadLetters) {
    expected += want.length;
    found += got.length;
    const remaining = [...got];
    for (const marker of want) {
      const at = remaining.indexOf(marker);
      if (at === -1) problems.push(`${queue}: poison ${marker} missing`);
      else remaining.splice(at, 1);
    }
    for (const extra of remaining) problems.push(`${queue}: unexpected ${extra}`);
  }
  return row('DLQs hold exactly the poison messages', expected, found, problems);
}

/** The table, as plain text. */
export function formatTable(rows: readonly Row[]): string {
  const head = ['invariant', 'expected', 'actual', 'violations'];
  const cells = rows.map((r) => [
    r.invariant,
    String(r.expected),
    String(r.actual),
    String(r.violations),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const [i, r] of rows.entries()) {
    out.push(line(cells[i]!));
    for (const d of r.details) out.push(`    ! ${d}`);
    if (r.violations > r.details.length) {
      out.push(`    ! … ${r.violations - r.details.length} more`);
    }
  }
  return out.join('\n');
}
