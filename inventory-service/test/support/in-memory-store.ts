import { holdOf, type Hold } from '../../src/domain/holds';
import type { StockLine } from '../../src/domain/order-lines';
import { CrashAfterStep } from '../../src/reservations/crash-points';
import {
  markCommitted,
  type ReservationRecord,
  type ReservationStatus,
} from '../../src/domain/reservation-progress';
import type {
  OutcomeEvent,
  ReservationStore,
  SkuState,
} from '../../src/reservations/reservation-store';

interface Sku {
  sku: string;
  active: boolean;
  onHand: number;
  reserved: number;
  available: number;
  holds: Hold[];
  restockers: string[];
  restocks: string[];
}

/**
 * The store's contract in memory: every method is one atomic step with the same guards as the
 * MongoDB implementation. `yieldBetween` lets concurrent runs interleave between steps.
 */
export class InMemoryReservationStore implements ReservationStore {
  readonly skus = new Map<string, Sku>();
  readonly reservations = new Map<string, ReservationRecord>();
  /** Every outcome event ever stored, in order (the union of all outboxes). */
  readonly outbox: OutcomeEvent[] = [];

  /** Called once before the first hold attempt on a SKU: lets a test slip a rival in. */
  beforeFirstHold?: (sku: string) => void;
  private readonly attempted = new Set<string>();
  /** Statements of bulk writes applied so far: each line of a `...Holds` call is one. */
  bulkStatements = 0;
  /** Fails the bulk write right after its n-th statement overall (once): a command cut short. */
  interruptBulkAfter?: number;

  constructor(private readonly yieldBetween: () => Promise<void> = async () => undefined) {}

  addSku(sku: string, onHand: number, active = true): void {
    this.skus.set(sku, {
      sku,
      active,
      onHand,
      reserved: 0,
      available: onHand,
      holds: [],
      restockers: [],
      restocks: [],
    });
  }

  async loadReservation(orderId: string): Promise<ReservationRecord | undefined> {
    await this.yieldBetween();
    return clone(this.reservations.get(orderId));
  }

  async insertReservation(record: ReservationRecord) {
    await this.yieldBetween();
    const existing = this.reservations.get(record.orderId);
    if (existing) return { record: clone(existing)!, inserted: false };
    this.reservations.set(record.orderId, clone(record)!);
    return { record: clone(record)!, inserted: true };
  }

  async storeOutcome(expected: ReservationStatus, next: ReservationRecord, event: OutcomeEvent) {
    await this.yieldBetween();
    const current = this.reservations.get(next.orderId);
    if (!current || current.status !== expected) return false;
    this.reservations.set(next.orderId, clone(next)!);
    this.outbox.push(clone(event)!);
    return true;
  }

  async markSettled(orderId: string, status: ReservationStatus) {
    await this.yieldBetween();
    const current = this.reservations.get(orderId);
    if (!current || current.status !== status || current.settled) return false;
    this.reservations.set(orderId, { ...current, settled: true });
    return true;
  }

  async readSku(sku: string): Promise<SkuState | undefined> {
    await this.yieldBetween();
    return clone(this.skus.get(sku));
  }

  async takeHold(sku: string, hold: Hold) {
    await this.yieldBetween();
    if (!this.attempted.has(sku)) {
      this.attempted.add(sku);
      this.beforeFirstHold?.(sku);
    }
    const doc = this.skus.get(sku);
    if (!doc || !doc.active || doc.available < hold.quantity) return false;
    if (doc.holds.some((h) => h.orderId === hold.orderId)) return false;
    doc.available -= hold.quantity;
    doc.reserved += hold.quantity;
    doc.holds.push({ ...hold });
    return true;
  }

  takeHolds(orderId: string, lines: readonly StockLine[]) {
    return this.eachLine(orderId, lines, (sku, hold) => this.takeHold(sku, hold));
  }

  returnHolds(orderId: string, lines: readonly StockLine[]) {
    return this.eachLine(orderId, lines, (sku, hold) => this.returnHold(sku, hold));
  }

  commitHolds(orderId: string, lines: readonly StockLine[]) {
    return this.eachLine(orderId, lines, (sku, hold) => this.commitHold(sku, hold));
  }

  /**
   * A bulk write as MongoDB runs one: each statement atomic on its own, other operations may run
   * in between (each statement yields first), and a failure leaves the statements before it done.
   */
  private async eachLine(
    orderId: string,
    lines: readonly StockLine[],
    write: (sku: string, hold: Hold) => Promise<boolean>,
  ): Promise<number> {
    let modified = 0;
    for (const line of lines) {
      if (await write(line.sku, holdOf(orderId, line))) modified += 1;
      this.bulkStatements += 1;
      if (this.bulkStatements === this.interruptBulkAfter) {
        throw new CrashAfterStep('bulk statement', this.bulkStatements);
      }
    }
    return modified;
  }

  private async returnHold(sku: string, hold: Hold) {
    await this.yieldBetween();
    const doc = this.skus.get(sku);
    if (!doc) return false;
    const before = doc.holds.length;
    doc.holds = doc.holds.filter(
      (h) => !(h.orderId === hold.orderId && h.quantity === hold.quantity),
    );
    if (doc.holds.length === before) return false;
    // like `$pullAll` + `$inc`: every equal entry goes, the counters move by one hold
    doc.available += hold.quantity;
    doc.reserved -= hold.quantity;
    return true;
  }

  async storeCommitment(orderId: string) {
    await this.yieldBetween();
    const current = this.reservations.get(orderId);
    if (!current || current.status !== 'reserved') return undefined;
    const next = markCommitted(current);
    this.reservations.set(orderId, clone(next)!);
    return clone(next);
  }

  private async commitHold(sku: string, hold: Hold) {
    await this.yieldBetween();
    const doc = this.skus.get(sku);
    if (!doc) return false;
    const before = doc.holds.length;
    doc.holds = doc.holds.filter(
      (h) => !(h.orderId === hold.orderId && h.quantity === hold.quantity),
    );
    if (doc.holds.length === before) return false;
    doc.onHand -= hold.quantity;
    doc.reserved -= hold.quantity;
    return true;
  }

  async restock(sku: string, hold: Hold, token: string) {
    await this.yieldBetween();
    const doc = this.skus.get(sku);
    if (!doc || doc.restockers.includes(hold.orderId)) return false;
    doc.restockers.push(hold.orderId);
    doc.restocks.push(token);
    doc.onHand += hold.quantity;
    doc.available += hold.quantity;
    return true;
  }

  async settleRestock(orderId: string, tokens: readonly string[]) {
    await this.yieldBetween();
    const current = this.reservations.get(orderId);
    if (!current || current.status !== 'released' || current.settled) return false;
    this.reservations.set(orderId, { ...current, settled: true, restocks: [...tokens] });
    return true;
  }

  async clearRestock(sku: string, orderId: string, token: string) {
    await this.yieldBetween();
    const doc = this.skus.get(sku);
    if (!doc || !doc.restocks.includes(token)) return false;
    doc.restocks = doc.restocks.filter((t) => t !== token);
    doc.restockers = doc.restockers.filter((id) => id !== orderId);
    return true;
  }

  async undoRestock(sku: string, hold: Hold, token: string) {
    await this.yieldBetween();
    const doc = this.skus.get(sku);
    if (!doc || !doc.restocks.includes(token) || doc.available < hold.quantity) return false;
    doc.restocks = doc.restocks.filter((t) => t !== token);
    doc.restockers = doc.restockers.filter((id) => id !== hold.orderId);
    doc.onHand -= hold.quantity;
    doc.available -= hold.quantity;
    return true;
  }

  /** A hold of another order applied directly, as a concurrent run would. */
  rivalHold(sku: string, orderId: string, quantity: number): void {
    const doc = this.skus.get(sku)!;
    doc.available -= quantity;
    doc.reserved += quantity;
    doc.holds.push({ orderId, quantity });
  }

  /** Everything observable, for comparing an interrupted run with an uninterrupted one. */
  snapshot() {
    return {
      skus: [...this.skus.values()].map((s) => clone(s)),
      // restock tokens are random per run: compared only as present or not
      reservations: [...this.reservations.values()].map((r) =>
        r.restocks ? { ...clone(r), restocks: r.restocks.length > 0 } : clone(r),
      ),
      events: this.outbox.map((e) => ({ id: e.id, type: e.type, data: e.data })),
    };
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
