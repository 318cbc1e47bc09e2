import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection, Model } from 'mongoose';
import { KIT_OPTIONS, type KitOptions } from '../../kit.options';
import { MessagingMetrics } from '../../metrics/messaging-metrics';
import { Publisher } from '../publisher';
import { canonicalEntry, hasOutbox, OUTBOX_PATH, type OutboxEntry } from './outbox.schema';

interface Job {
  readonly collection: Collection;
  readonly docId: unknown;
  readonly entry: OutboxEntry;
}

interface PendingRemoval {
  readonly docId: unknown;
  readonly entries: OutboxEntry[];
}

const MAX_WAITING = 10_000;
const REMOVAL_BATCH = 100;
const REMOVAL_DELAY_MS = 5;
/** Documents one sweep reads, in ONE batch: see sweepAll. */
const SWEEP_LIMIT = 1_000;

/**
 * Publishes outbox entries of every collection whose schema embeds the kit's outbox.
 *
 * - Right after a write (`kick` with the written document) and from a sweeper for entries older
 *   than `sweepAfterMs` (left behind by a crash, a broker outage or another instance).
 * - With publisher confirms and a WINDOW of publishes in flight (confirming each before the next
 *   caps throughput at ~0.8k msg/s here; a window of 100 gives ~9k/s).
 * - An entry is removed with `$pullAll` of the exact entry only after its confirm, in batches (one
 *   bulk write of per-document `$pullAll`s). A crash between confirm and removal re-publishes the
 *   entry later: delivery is at-least-once and consumers deduplicate.
 * - A publish that times out or is rejected leaves its entry pending; the relay backs off while
 *   the broker is unreachable.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private readonly window: number;
  private readonly publishTimeoutMs: number;
  private readonly sweepIntervalMs: number;
  private readonly sweepAfterMs: number;

  private collections: Collection[] = [];
  private readonly waiting: Job[] = [];
  /** Event ids queued, being published, or confirmed and awaiting removal. */
  private readonly known = new Set<string>();
  private publishing = 0;
  private readonly confirmed = new Map<Collection, Map<string, PendingRemoval>>();
  private confirmedCount = 0;
  private removal: Promise<void> | undefined;
  private removalTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private backoffUntil = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  /** Set by shutdown: no more timers, retries or publishes. */
  private closed = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly publisher: Publisher,
    private readonly metrics: MessagingMetrics,
    @Inject(KIT_OPTIONS) private readonly options: KitOptions,
  ) {
    this.window = options.outbox?.window ?? 100;
    this.publishTimeoutMs = options.outbox?.publishTimeoutMs ?? 5_000;
    this.sweepIntervalMs = options.outbox?.sweepIntervalMs ?? 1_000;
    this.sweepAfterMs = options.outbox?.sweepAfterMs ?? 3_000;
  }

  onApplicationBootstrap(): void {
    const models = Object.values(this.connection.models) as Model<unknown>[];
    this.collections = models.filter(hasOutbox).map((m) => m.collection);
    if (this.collections.length === 0) return;
    this.log.log(
      `relaying outboxes of ${this.collections.map((c) => c.collectionName).join(', ')}`,
    );
    this.sweepTimer = setInterval(() => void this.sweep(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.stopTimers();
    clearTimeout(this.removalTimer);
    clearTimeout(this.pumpTimer);
    this.waiting.length = 0;
  }

  /** Hands a just-written document to the relay; its outbox entries are published at once. */
  kick(model: Model<never> | Model<unknown> | { collection: Collection }, doc: unknown): void {
    if (this.closed) return; // left for the sweeper of the next instance
    const d = doc as { _id?: unknown; [OUTBOX_PATH]?: OutboxEntry[] } | null;
    if (!d || d._id === undefined || !Array.isArray(d[OUTBOX_PATH])) return;
    for (const e of d[OUTBOX_PATH]) this.enqueue(model.collection, d._id, canonicalEntry(e));
    this.pump();
  }

  /**
   * Looks for entries older than `sweepAfterMs` in every outbox collection, queues them, and
   * updates `eventshop_outbox_pending`. Runs on a timer; exposed for tests.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /**
   * Stops sweeping and waits (up to `timeoutMs`) until every queued publish is confirmed and
   * removed. Returns false when time ran out; what is left stays pending in the database.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.stopTimers();
    if (this.sweeping) await this.sweeping.catch(() => undefined);
    if (this.isIdle()) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!idle) {
      this.log.warn(
        `outbox flush gave up after ${timeoutMs}ms: ${this.waiting.length + this.publishing} publishes and ${this.confirmedCount} removals left (they stay pending)`,
      );
    }
    return idle;
  }

  private stopTimers(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private enqueue(collection: Collection, docId: unknown, entry: OutboxEntry): void {
    if (this.known.has(entry.id) || this.waiting.length >= MAX_WAITING) return;
    this.known.add(entry.id);
    this.waiting.push({ collection, docId, entry });
  }

  private pump(): void {
    if (this.closed) return;
    if (this.waiting.length === 0) return this.checkIdle();
    const now = Date.now();
    if (now < this.backoffUntil) return this.schedulePump(this.backoffUntil - now);
    if (!this.publisher.connected) return this.backOff(new Error('broker not connected'));
    while (this.publishing < this.window && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.publishing++;
      void this.publishOne(job);
    }
  }

  private schedulePump(delayMs: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, delayMs);
  }

  private async publishOne(job: Job): Promise<void> {
    try {
      await this.publisher.publishEvent(job.entry, this.publishTimeoutMs);
      this.failures = 0;
      this.metrics.published.inc({ type: job.entry.type });
      this.metrics.outboxPublishLag.observe((Date.now() - job.entry.createdAt.getTime()) / 1000);
      this.addConfirmed(job);
    } catch (err) {
      // The entry stays in the document; the sweeper will offer it again.
      this.known.delete(job.entry.id);
      this.backOff(err);
    } finally {
      this.publishing--;
      this.pump();
    }
  }

  private backOff(err: unknown): void {
    this.failures++;
    const delay = Math.min(5_000, 250 * 2 ** Math.min(this.failures - 1, 5));
    if (Date.now() >= this.backoffUntil) {
      this.log.warn(
        `publishing paused for ${delay}ms: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.backoffUntil = Math.max(this.backoffUntil, Date.now() + delay);
    if (this.waiting.length > 0) this.schedulePump(delay);
  }

  private addConfirmed(job: Job): void {
    let byDoc = this.confirmed.get(job.collection);
    if (!byDoc) this.confirmed.set(job.collection, (byDoc = new Map()));
    const key = String(job.docId);
    const pending = byDoc.get(key);
    if (pending) pending.entries.push(job.entry);
    else byDoc.set(key, { docId: job.docId, entries: [job.entry] });
    this.confirmedCount++;
    if (this.confirmedCount >= REMOVAL_BATCH) this.startRemoval();
    else this.removalTimer ??= setTimeout(() => this.startRemoval(), REMOVAL_DELAY_MS);
  }

  private startRemoval(): void {
    clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    if (this.closed || this.removal || this.confirmedCount === 0) return;
    const batch = new Map(this.confirmed);
    this.confirmed.clear();
    this.confirmedCount = 0;
    this.removal = this.remove(batch).then((ok) => {
      this.removal = undefined;
      // After a failure the retry waits for its timer (set by addConfirmedLater): no hot loop.
      if (ok && this.confirmedCount > 0) this.startRemoval();
      else this.checkIdle();
    });
  }

  /** `$pullAll` of the exact confirmed entries, one bulk write per collection. */
  private async remove(batch: Map<Collection, Map<string, PendingRemoval>>): Promise<boolean> {
    let ok = true;
    for (const [collection, byDoc] of batch) {
      const docs = [...byDoc.values()];
      const ids = docs.flatMap((d) => d.entries.map((e) => e.id));
      try {
        await this.options.testHooks?.beforeOutboxRemove?.(ids);
        await collection.bulkWrite(
          docs.map((d) => ({
            updateOne: {
              filter: { _id: d.docId },
              update: { $pullAll: { [OUTBOX_PATH]: d.entries } },
            },
          })) as unknown as Parameters<Collection['bulkWrite']>[0],
        );
        for (const id of ids) this.known.delete(id);
      } catch (err) {
        ok = false;
        if (this.closed) continue; // the next instance's sweeper publishes them again
        // Published but still in the document: retry the removal a little later. If the
        // process dies first, the entries are published again (consumers deduplicate).
        this.log.warn(
          `removing ${ids.length} published outbox entries from ${collection.collectionName} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        for (const d of docs)
          for (const e of d.entries) this.addConfirmedLater(collection, d.docId, e);
      }
    }
    return ok;
  }

  private addConfirmedLater(collection: Collection, docId: unknown, entry: OutboxEntry): void {
    let byDoc = this.confirmed.get(collection);
    if (!byDoc) this.confirmed.set(collection, (byDoc = new Map()));
    const key = String(docId);
    const pending = byDoc.get(key);
    if (pending) pending.entries.push(entry);
    else byDoc.set(key, { docId, entries: [entry] });
    this.confirmedCount++;
    this.removalTimer ??= setTimeout(() => this.startRemoval(), 1_000);
  }

  /**
   * Reads the documents with pending entries in a single batch (`limit` = `batchSize`), never
   * through an open cursor: on FerretDB an open cursor holds a read transaction until its last
   * getMore, a write waits for it, and with one connection per process the getMore waits behind
   * the write — a deadlock until the socket times out.
   */
  private async sweepAll(): Promise<void> {
    const cutoff = Date.now() - this.sweepAfterMs;
    const filter = { [`${OUTBOX_PATH}.0`]: { $exists: true } };
    let pending = 0;
    try {
      for (const collection of this.collections) {
        const docs = await collection
          .find(filter, { limit: SWEEP_LIMIT, batchSize: SWEEP_LIMIT })
          .toArray();
        for (const doc of docs) {
          const entries = (doc[OUTBOX_PATH] ?? []) as OutboxEntry[];
          pending += entries.length;
          for (const e of entries) {
            if (new Date(e.createdAt).getTime() <= cutoff) {
              this.enqueue(collection, doc._id, canonicalEntry(e));
            }
          }
        }
        if (docs.length === SWEEP_LIMIT) {
          // More than one batch pending: count them all (one small result, no cursor left).
          const counted = await collection
            .aggregate([{ $match: filter }, { $unwind: `$${OUTBOX_PATH}` }, { $count: 'n' }])
            .toArray();
          pending +=
            Number(counted[0]?.n ?? 0) -
            docs.reduce((n, d) => n + ((d[OUTBOX_PATH] ?? []) as unknown[]).length, 0);
        }
      }
      this.metrics.outboxPending.set({ service: this.metrics.service }, pending);
    } catch (err) {
      this.log.warn(`outbox sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.pump();
  }

  private isIdle(): boolean {
    return (
      this.waiting.length === 0 &&
      this.publishing === 0 &&
      this.confirmedCount === 0 &&
      this.removal === undefined
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
