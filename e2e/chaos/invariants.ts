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

/** What the suite reads of a product document in inventory's database. */
export interface ProductDocument {
  readonly reserved: number;
  readonly holds: readonly { orderId: string; quantity: number }[];
  readonly holders: readonly string[];
  readonly restockers: readonly string[];
  readonly restocks: readonly string[];
}

/** A notification record as stored by notification-service: its Message-ID and status. */
export interface NotificationRecord {
  readonly eventId: string;
  readonly messageId: string;
  readonly status: string;
}

/** A pod's answer to GET /health/ready at the end (0: no answer). */
export interface Readiness {
  readonly pod: string;
  readonly status: number;
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
  /** The product documents as stored, by SKU. */
  readonly productDocuments: ReadonlyMap<string, ProductDocument>;
  readonly mails: readonly ReceivedMail[];
  /** notification-service's records of the run. */
  readonly notificationRecords: readonly NotificationRecord[];
  /** Poison markers each DLQ must hold, and the markers (or descriptions) it holds. */
  readonly deadLetters: ReadonlyMap<string, { expected: string[]; found: string[] }>;
  readonly leftInQueues: readonly { name: string; messages: number }[];
  readonly faults: readonly FaultRecord[];
  readonly plannedFaults: number;
  /** Orders whose state could not be read at the end (their service did not answer). */
  readonly unknownOrders: ReadonlySet<string>;
  /** Parts of the end state that could not be read, with the error. */
  readonly unreadable: readonly string[];
  /** Every pod's readiness at the end. */
  readonly readiness: readonly Readiness[];
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
  rows.push(holdsRow(o));
  rows.push(mailRow(o));
  rows.push(contradictionRow(o));
  rows.push(recordsRow(o));
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

  const unready = o.readiness.filter((r) => r.status !== 200);
  rows.push(
    row(
      "every pod's readiness recovered (GET /health/ready is 200)",
      o.readiness.length,
      o.readiness.length - unready.length,
      unready.map((r) => `${r.pod}: ${r.status === 0 ? 'no answer' : `HTTP ${r.status}`}`),
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
 * A product document holds exactly the lines of the orders that are PENDING (docs/decisions/0015:
 * a confirmed order's holds become committed units, a refused or cancelled one's come back):
 * per SKU, one hold per pending order with its quantity, `holders` naming the same orders,
 * `reserved` their sum, and no restock marker left over once everything is settled.
 */
function holdsRow(o: Observed): Row {
  const problems: string[] = [];
  for (const product of o.products) {
    const doc = o.productDocuments.get(product.sku);
    if (!doc) {
      problems.push(`${product.sku}: no product document`);
      continue;
    }
    const want = new Map<string, number>();
    for (const p of o.placed) {
      const order = o.finalOrders.get(p.id);
      if (order?.status !== 'PENDING') continue;
      const lines = order.lines.length > 0 ? order.lines : p.items;
      for (const line of lines) {
        if (line.sku === product.sku) want.set(p.id, (want.get(p.id) ?? 0) + line.quantity);
      }
    }
    const seen = new Set<string>();
    for (const hold of doc.holds) {
      const expected = want.get(hold.orderId);
      if (seen.has(hold.orderId)) {
        problems.push(`${product.sku}: a second hold of order ${hold.orderId}`);
      } else if (expected === undefined) {
        const status = o.finalOrders.get(hold.orderId)?.status ?? 'not an order of the run';
        problems.push(
          `${product.sku}: holds ${hold.quantity} for order ${hold.orderId}, which is ${status}`,
        );
      } else if (expected !== hold.quantity) {
        problems.push(
          `${product.sku}: holds ${hold.quantity} for pending order ${hold.orderId}, its lines ${expected}`,
        );
      }
      seen.add(hold.orderId);
    }
    for (const [orderId, quantity] of want) {
      if (!seen.has(orderId)) {
        problems.push(`${product.sku}: no hold for pending order ${orderId} (${quantity})`);
      }
    }
    const holders = [...doc.holders].sort().join(',');
    const holdIds = doc.holds
      .map((h) => h.orderId)
      .sort()
      .join(',');
    if (holders !== holdIds) {
      problems.push(`${product.sku}: holders [${holders}] differ from the holds [${holdIds}]`);
    }
    const sum = doc.holds.reduce((total, h) => total + h.quantity, 0);
    if (doc.reserved !== sum) {
      problems.push(`${product.sku}: reserved ${doc.reserved}, its holds add up to ${sum}`);
    }
    if (doc.restockers.length > 0 || doc.restocks.length > 0) {
      problems.push(
        `${product.sku}: restock markers left: restockers [${doc.restockers.join(',')}], ` +
          `restocks [${doc.restocks.join(',')}]`,
      );
    }
  }
  return row(
    "product documents hold exactly their PENDING orders' lines",
    o.products.length,
    o.products.length - new Set(problems.map((p) => p.split(':')[0])).size,
    problems,
  );
}

/** The run's e-mails by order id; e-mails to no order of the run are strays. */
function mailsByOrder(o: Observed): { byOrder: Map<string, ReceivedMail[]>; strays: string[] } {
  const byOrder = new Map<string, ReceivedMail[]>();
  const strays: string[] = [];
  const owner = new Map<string, string>();
  for (const p of o.placed) {
    owner.set(`${p.customer.email.toLowerCase()} ${p.id.slice(0, 8).toUpperCase()}`, p.id);
  }
  for (const m of o.mails) {
    const id = owner.get(`${m.to.toLowerCase()} ${m.reference}`);
    if (!id || m.kind === 'other') {
      strays.push(`stray e-mail to ${m.to}: ${m.subject}`);
      continue;
    }
    byOrder.set(id, [...(byOrder.get(id) ?? []), m]);
  }
  return { byOrder, strays };
}

/**
 * No e-mail says something the order's final state denies: a CONFIRMED order got no rejection
 * or cancellation, a REJECTED one no confirmation or cancellation, a CANCELLED one no rejection
 * and no confirmation received after its cancellation (the sink's receive times). An order that
 * is not final (or not found) has no state to contradict: the rows above count it.
 */
function contradictionRow(o: Observed): Row {
  const problems: string[] = [];
  const { byOrder } = mailsByOrder(o);
  for (const [id, received] of byOrder) {
    const status = o.finalOrders.get(id)?.status;
    if (status === undefined || status === 'PENDING') continue;
    const cancelledAt = Math.min(
      ...received.filter((m) => m.kind === 'cancelled').map((m) => Date.parse(m.created)),
    );
    const cancelledAtIso = Number.isFinite(cancelledAt) ? new Date(cancelledAt).toISOString() : '';
    for (const m of received) {
      const contradicts =
        (status === 'CONFIRMED' && m.kind !== 'confirmed') ||
        (status === 'REJECTED' && m.kind !== 'rejected') ||
        (status === 'CANCELLED' &&
          (m.kind === 'rejected' ||
            (m.kind === 'confirmed' && Date.parse(m.created) > cancelledAt)));
      if (contradicts) {
        const after = m.kind === 'confirmed' ? `, after the cancellation (${cancelledAtIso})` : '';
        problems.push(`order ${id} ${status}: a ${m.kind} e-mail received ${m.created}${after}`);
      }
    }
  }
  return row(
    'no e-mail contradicts the final state of its order',
    0,
    problems.length,
    problems,
    problems.length,
  );
}

const bareMessageId = (id: string) => id.trim().replace(/^<|>$/g, '');

/**
 * notification-service's records say what reached the customer: a record is `sent` exactly when
 * its Message-ID is in the sink, and none is left `sending` once everything is quiet (a record
 * `skipped` or `failed` whose e-mail was delivered misreports it to GET /notifications).
 */
function recordsRow(o: Observed): Row {
  const problems: string[] = [];
  const received = new Set(o.mails.map((m) => bareMessageId(m.messageId)));
  const recorded = new Set<string>();
  for (const r of o.notificationRecords) {
    const id = bareMessageId(r.messageId);
    recorded.add(id);
    const delivered = received.has(id);
    if (r.status === 'sent' && !delivered) {
      problems.push(`event ${r.eventId}: recorded sent, no e-mail <${id}> in the sink`);
    } else if (r.status !== 'sent' && delivered) {
      problems.push(
        `event ${r.eventId}: recorded ${r.status}, but its e-mail <${id}> was delivered`,
      );
    } else if (r.status === 'sending') {
      problems.push(`event ${r.eventId}: still sending`);
    }
  }
  for (const id of received) {
    if (!recorded.has(id)) problems.push(`e-mail <${id}> has no notification record`);
  }
  return row(
    'notification records agree with the e-mails delivered (sent ⇔ in the sink)',
    o.notificationRecords.length,
    o.notificationRecords.length - problems.length,
    problems,
  );
}

/**
 * One e-mail per terminal outcome, counted by distinct Message-ID (a resend after a crash between
 * send and record carries the same Message-ID: docs/decisions/0006): CONFIRMED → confirmed;
 * REJECTED → rejected (a timeout's compensating cancellation is not mailed); CANCELLED →
 * cancelled, and at most one confirmed (a confirmation handled after the cancellation is not
 * mailed, whether or not the customer saw the order confirmed).
 */
function mailRow(o: Observed): Row {
  const { byOrder, strays } = mailsByOrder(o);
  const problems: string[] = [...strays];
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
    switch (status) {
      case 'CONFIRMED':
        expected += 1;
        ok = got.confirmed === 1 && got.rejected === 0 && got.cancelled === 0;
        break;
      case 'REJECTED':
        expected += 1;
        ok = got.confirmed === 0 && got.rejected === 1 && got.cancelled === 0;
        break;
      case 'CANCELLED':
        // A confirmation the notification service handles only after the cancellation is not
        // mailed; one mailed after it is counted by the next row.
        expected += 1 + Math.min(got.confirmed, 1);
        ok = got.cancelled === 1 && got.rejected === 0 && got.confirmed <= 1;
        break;
      default:
        continue; // counted by the rows above
    }
    matched += got.confirmed + got.rejected + got.cancelled;
    if (!ok) {
      problems.push(
        `order ${p.id} ${status}${p.seenConfirmed ? ' (seen CONFIRMED)' : ''}: ` +
          `confirmed ${got.confirmed}, rejected ${got.rejected}, cancelled ${got.cancelled} e-mail(s)`,
      );
    }
  }
  return row('one e-mail per terminal outcome (distinct Message-IDs)', expected, matched, problems);
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
