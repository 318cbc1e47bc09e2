import { explainMissedHold, holdOf } from '../domain/holds';
import { normalizeLines, type StockLine } from '../domain/order-lines';
import {
  decideReservation,
  type ShortLine,
  type SkuAvailability,
} from '../domain/reservation-decision';
import {
  holdsAreOwedBackAfterLostRace,
  markRefused,
  markReserved,
  nextOnOrderCreated,
  startReserving,
  type Refusal,
  type ReservationRecord,
} from '../domain/reservation-progress';
import { NO_CRASH_POINTS, type CrashPoints } from './crash-points';
import { outcomeEventFor, resultOf, type RunResult } from './outcome';
import type { ReservationStore } from './reservation-store';
import { settleStock } from './settle-stock';

export interface OrderToReserve {
  readonly orderId: string;
  readonly lines: readonly StockLine[];
}

/** How often a hold is retried when the SKU showed enough free units right after it missed. */
const HOLD_ATTEMPTS = 3;
/** Lost races are re-read and re-decided; the state machine makes each round progress. */
const MAX_ROUNDS = 5;

/**
 * order.created.v1 → every line or none (see docs/decisions/0004). The steps, each one
 * single-document write: create the reservation record; take a hold per SKU in SKU order; store
 * the outcome with its event; on refusal return the holds taken, then mark the record settled.
 */
export class ReserveStockService {
  constructor(
    private readonly store: ReservationStore,
    private readonly crash: CrashPoints = NO_CRASH_POINTS,
  ) {}

  async reserve(order: OrderToReserve): Promise<RunResult> {
    const lines = normalizeLines(order.lines);
    // Inserted without a read first (docs/decisions/0027): a first delivery finds no record; a
    // record already there (a redelivery, a cancellation that came first) is returned instead.
    const created = await this.store.insertReservation(startReserving(order.orderId, lines));
    let record = created.record;
    if (created.inserted) await this.crash.after('reservation-created');
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const action = nextOnOrderCreated(record);
      switch (action.kind) {
        case 'done':
          return resultOf(record, false);
        case 'settle':
          await settleStock(this.store, record, this.crash);
          return resultOf(record, false);
        case 'start':
          throw new Error('unreachable: the record exists');
        case 'refuse-cancelled': {
          const refused = markRefused(
            record,
            { reason: 'order_cancelled', shortLines: [] },
            { lines },
          );
          const result = await this.storeAndSettle(record, refused);
          if (result) return result;
          break;
        }
        case 'take-holds': {
          const result = await this.takeHolds(record);
          if (result) return result;
          break;
        }
      }
      record = await this.mustLoad(order.orderId);
    }
    throw new Error(`reservation ${order.orderId} did not settle after ${MAX_ROUNDS} rounds`);
  }

  /** Takes every hold (or finds it taken), then stores the outcome; undefined = lost a race. */
  private async takeHolds(record: ReservationRecord): Promise<RunResult | undefined> {
    const held = new Set<string>(); // SKUs this run saw held by the order, or took
    // No read of the SKUs first (docs/decisions/0027): each guarded hold decides, and the SKUs
    // are read only after a hold missed, to say why.
    const refusal = await this.holdEveryLine(record, held);
    const next = refusal
      ? markRefused(record, refusal, { holdsSeen: held.size > 0 })
      : markReserved(record);
    const stored = await this.storeAndSettle(record, next);
    if (stored) return stored;
    // Someone else stored the outcome meanwhile. Holds are this order's to keep only under
    // `reserved`; otherwise return them, including any this run pushed after they were returned.
    const current = await this.mustLoad(record.orderId);
    if (holdsAreOwedBackAfterLostRace(current)) {
      await settleStock(this.store, current, this.crash);
    }
    return resultOf(current, false);
  }

  /** Takes the holds in SKU order; on the first line that cannot be held, returns the refusal. */
  private async holdEveryLine(
    record: ReservationRecord,
    held: Set<string>,
  ): Promise<Refusal | undefined> {
    for (const [index, line] of record.lines.entries()) {
      const miss = await this.holdLine(record.orderId, line);
      if (!miss) {
        held.add(line.sku);
        continue;
      }
      // The rest of the order is reported as it stands now, so the refusal names every short line.
      const rest = record.lines.slice(index + 1);
      const seen = new Map<string, SkuAvailability | undefined>();
      for (const other of rest) seen.set(other.sku, await this.store.readSku(other.sku));
      const others = decideReservation(rest, (sku) => seen.get(sku));
      const shortLines: ShortLine[] = [miss.short, ...(others.ok ? [] : others.shortLines)];
      const unknown = miss.unknown || (!others.ok && others.reason === 'unknown_product');
      return { reason: unknown ? 'unknown_product' : 'insufficient_stock', shortLines };
    }
    return undefined;
  }

  private async holdLine(
    orderId: string,
    line: StockLine,
  ): Promise<{ short: ShortLine; unknown: boolean } | undefined> {
    let available = 0;
    for (let attempt = 0; attempt < HOLD_ATTEMPTS; attempt += 1) {
      if (await this.store.takeHold(line.sku, holdOf(orderId, line))) {
        await this.crash.after(`hold-taken:${line.sku}`);
        return undefined;
      }
      const meaning = explainMissedHold(await this.store.readSku(line.sku), orderId);
      if (meaning.kind === 'already-held') return undefined;
      if (meaning.kind === 'unknown') {
        return { short: { sku: line.sku, requested: line.quantity, available: 0 }, unknown: true };
      }
      available = meaning.available;
      if (available < line.quantity) break;
      // Enough came free between the update and the read: try again.
    }
    if (available >= line.quantity) {
      // Free units seen after every miss: not a stock answer; fail the run so it is retried.
      throw new Error(`hold of ${line.sku} for ${orderId} kept missing with ${available} free`);
    }
    return { short: { sku: line.sku, requested: line.quantity, available }, unknown: false };
  }

  /** Stores the outcome if the record is still as read; then returns any stock owed back. */
  private async storeAndSettle(
    from: ReservationRecord,
    next: ReservationRecord,
  ): Promise<RunResult | undefined> {
    if (!(await this.store.storeOutcome(from.status, next, outcomeEventFor(next)))) {
      return undefined;
    }
    await this.crash.after('outcome-stored');
    if (!next.settled) await settleStock(this.store, next, this.crash);
    return resultOf(next, true);
  }

  private async mustLoad(orderId: string): Promise<ReservationRecord> {
    const record = await this.store.loadReservation(orderId);
    if (!record) throw new Error(`reservation ${orderId} vanished`);
    return record;
  }
}
