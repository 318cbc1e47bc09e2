import { explainMissedHold, holdOf } from '../domain/holds';
import { normalizeLines, type StockLine } from '../domain/order-lines';
import { decideReservation, type SkuAvailability } from '../domain/reservation-decision';
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
 * order.created.v1 → every line or none (see docs/decisions/0004). The steps: create the
 * reservation record; take a hold per SKU in SKU order (one bulk write, docs/decisions/0027);
 * store the outcome with its event; on refusal return the holds taken, then mark the record
 * settled.
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

  /**
   * Takes the hold of every line in one bulk write, in SKU order (docs/decisions/0027). When some
   * line was not taken, each SKU is read to say why: the order holds it already (an earlier run
   * took it), it is unknown or inactive, or too little is free; the refusal names every short
   * line. Holds the bulk took on other lines are returned by the refusal's settle.
   */
  private async holdEveryLine(
    record: ReservationRecord,
    held: Set<string>,
  ): Promise<Refusal | undefined> {
    const taken = await this.store.takeHolds(record.orderId, record.lines);
    if (taken > 0) await this.crash.after('holds-taken');
    if (taken === record.lines.length) {
      for (const line of record.lines) held.add(line.sku);
      return undefined;
    }
    const seen = new Map<string, SkuAvailability | undefined>();
    for (const line of record.lines) {
      const state = await this.lineAfterMiss(record.orderId, line);
      if (state === 'held') held.add(line.sku);
      else seen.set(line.sku, state);
    }
    const decision = decideReservation(record.lines, (sku) => seen.get(sku), held);
    return decision.ok ? undefined : { reason: decision.reason, shortLines: decision.shortLines };
  }

  /**
   * A line of an order whose bulk missed some hold: `held` when the order holds it now, else the
   * SKU as read (missing, inactive, or too little free). Units that came free after the miss are
   * tried again, up to HOLD_ATTEMPTS takes in all.
   */
  private async lineAfterMiss(
    orderId: string,
    line: StockLine,
  ): Promise<'held' | SkuAvailability | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const sku = await this.store.readSku(line.sku);
      const meaning = explainMissedHold(sku, orderId);
      if (meaning.kind === 'already-held') return 'held';
      if (meaning.kind === 'unknown' || meaning.available < line.quantity) return sku;
      if (attempt === HOLD_ATTEMPTS) {
        // Free units seen after every miss: not a stock answer; fail the run so it is retried.
        throw new Error(
          `hold of ${line.sku} for ${orderId} kept missing with ${meaning.available} free`,
        );
      }
      if (await this.store.takeHold(line.sku, holdOf(orderId, line))) {
        await this.crash.after(`hold-taken:${line.sku}`);
        return 'held';
      }
    }
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
