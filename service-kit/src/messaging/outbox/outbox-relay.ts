import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection, Model } from 'mongoose';
import { KIT_OPTIONS, type KitOptions, type OutboxOptions } from '../../kit.options';
import { describeMongoServer, type MongoServerInfo } from '../../persistence/mongo-server';
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

type RemovalBatch = Map<Collection, Map<string, PendingRemoval>>;

/** Entries held in memory, waiting for a publish slot; beyond it the next sweep finds them. */
const MAX_WAITING = 10_000;
const REMOVAL_BATCH = 100;
const REMOVAL_RETRY_MS = 1_000;
/**
 * Statements per `update` command. FerretDB 1.x keeps the read of every statement of one
 * `update` command open until the whole command ends, each on its own pooled SQLite connection
 * (at most 100 per database): a command of 100 or more statements waits for a 101st connection
 * forever, and every other client of that database waits behind it. Kept well below 100 so
 * that open cursors and commands of other clients fit too.
 */
const MAX_UPDATES_PER_COMMAND = 25;
/** Documents one sweep reads, in ONE batch: see sweepAll. */
const SWEEP_LIMIT = 1_000;

/**
 * How often the safety-net sweep runs: `outbox.sweepIntervalMs` if set, else every minute where
 * its query is served by the `outbox.createdAt` index (MongoDB) and every 5 minutes on FerretDB,
 * where it reads every document of every outbox collection (a cost that grows with the data:
 * ~4 s of the server's CPU at 30,000 orders, decision 0031).
 */
export function safetySweepIntervalMs(
  options: OutboxOptions | undefined,
  server: MongoServerInfo,
): number {
  return options?.sweepIntervalMs ?? (server.ferretdbVersion === undefined ? 60_000 : 300_000);
}

/**
 * Publishes outbox entries of every collection whose schema embeds the kit's outbox.
 *
 * - Right after a write (`kick` with the written document). Every entry the relay was kicked
 *   for stays in memory until it is confirmed and removed: a refused or timed-out publish goes
 *   back to the queue, with back-off while the broker is unreachable. This path never queries
 *   the database (on FerretDB any query but one by `_id` scans the whole collection).
 * - A sweep reads the outbox collections for entries older than `sweepAfterMs`, the lease of
 *   the writer's own relay (left by a crash, a previous instance or another one): at start and
 *   once more a lease later, periodically as a safety net (`safetySweepIntervalMs`), and when
 *   the in-memory queue overflowed or a sweep hit its limit. Its query asks only for documents
 *   with an entry past the lease (decision 0019).
 * - With publisher confirms and a WINDOW of publishes in flight (confirming each before the next
 *   caps throughput at ~0.8k msg/s here; a window of 100 gives ~9k/s).
 * - An entry is removed with `$pullAll` of the exact entry only after its confirm, in batches
 *   (bulk writes of at most MAX_UPDATES_PER_COMMAND per-document `$pullAll`s) sent
 *   `removalDelayMs` after the first of them was confirmed. Until then the aggregate's own next
 *   write may take its document's removals along (`takeRemovals`, decision 0030). A crash between
 *   confirm and removal re-publishes the entry later: delivery is at-least-once and consumers
 *   deduplicate.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private readonly window: number;
  private readonly publishTimeoutMs: number;
  private readonly sweepAfterMs: number;
  private readonly removalDelayMs: number;

  private collections: Collection[] = [];
  private readonly waiting: Job[] = [];
  /** Event ids queued, being published, or confirmed and awaiting removal. */
  private readonly known = new Set<string>();
  private publishing = 0;
  private readonly confirmed: RemovalBatch = new Map();
  private confirmedCount = 0;
  private removal: Promise<void> | undefined;
  private removalTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private backoffUntil = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** A one-off sweep for entries a sweep saw but left because they were too young. */
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Entries may be in the database that memory does not hold: sweep once the queue drains. */
  private sweepWhenDrained = false;
  private sweeping: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  /** Set by shutdown: no more timers, retries or publishes. */
  private closed = false;
  /** Set while flush waits: removals go out at once. */
  private flushing = false;
  /** Set by flush and shutdown: no timer starts again. */
  private timersStopped = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly publisher: Publisher,
    private readonly metrics: MessagingMetrics,
    @Inject(KIT_OPTIONS) private readonly options: KitOptions,
  ) {
    this.window = options.outbox?.window ?? 100;
    this.publishTimeoutMs = options.outbox?.publishTimeoutMs ?? 5_000;
    this.sweepAfterMs = options.outbox?.sweepAfterMs ?? 3_000;
    // Well inside the lease: a sweep of another replica must not find entries already published.
    this.removalDelayMs = Math.min(options.outbox?.removalDelayMs ?? 1_000, this.sweepAfterMs / 2);
  }

  onApplicationBootstrap(): void {
    const models = Object.values(this.connection.models) as Model<unknown>[];
    this.collections = models.filter(hasOutbox).map((m) => m.collection);
    if (this.collections.length === 0) return;
    this.log.log(
      `relaying outboxes of ${this.collections.map((c) => c.collectionName).join(', ')}`,
    );
    void this.sweep(true); // what a crash or a previous instance left behind
    void this.startSafetySweeps();
  }

  private async startSafetySweeps(): Promise<void> {
    // Not knowing the server (the database is down at start), the shorter interval.
    const server = await describeMongoServer(this.connection).catch(() => ({}));
    if (this.timersStopped || this.sweepTimer) return;
    const intervalMs = safetySweepIntervalMs(this.options.outbox, server);
    this.log.log(`safety-net sweep every ${Math.round(intervalMs / 1000)} s`);
    this.sweepTimer = setInterval(() => void this.sweep(), intervalMs);
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
    if (this.closed) return; // left for the start sweep of the next instance
    const d = doc as { _id?: unknown; [OUTBOX_PATH]?: OutboxEntry[] } | null;
    if (!d || d._id === undefined || !Array.isArray(d[OUTBOX_PATH])) return;
    for (const e of d[OUTBOX_PATH]) this.enqueue(model.collection, d._id, canonicalEntry(e));
    this.pump();
  }

  /**
   * Reads every outbox collection for entries older than `sweepAfterMs` that this relay does not
   * hold yet and queues them. Runs at start and on the slow timer; exposed for tests.
   */
  sweep(atStart = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.sweeping ??= this.sweepAll(atStart).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /**
   * Stops sweeping and waits (up to `timeoutMs`) until every queued publish is confirmed and
   * removed. Returns false when time ran out; what is left stays pending in the database.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.stopTimers();
    this.flushing = true;
    try {
      return await this.untilIdle(timeoutMs);
    } finally {
      this.flushing = false;
    }
  }

  private async untilIdle(timeoutMs: number): Promise<boolean> {
    this.startRemoval();
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
    this.timersStopped = true;
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    this.sweepWhenDrained = false;
  }

  /** Queues an entry unless it is held already; false when the queue is full. */
  private enqueue(collection: Collection, docId: unknown, entry: OutboxEntry): boolean {
    if (this.known.has(entry.id)) return true;
    if (this.waiting.length >= MAX_WAITING) {
      // Still in its document: a sweep picks it up once the queue has drained.
      this.sweepWhenDrained = true;
      return false;
    }
    this.known.add(entry.id);
    this.waiting.push({ collection, docId, entry });
    this.updatePending();
    return true;
  }

  private pump(): void {
    if (this.closed) return;
    if (this.waiting.length === 0) return this.drained();
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
      this.addConfirmed(job.collection, job.docId, job.entry);
    } catch (err) {
      // Not confirmed: the entry stays in its document and in memory, and is offered again
      // after the back-off (a shut-down relay drops it; the next instance's start sweep has it).
      if (this.closed) this.known.delete(job.entry.id);
      else this.waiting.push(job);
      this.backOff(err);
    } finally {
      this.publishing--;
      this.updatePending();
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

  /**
   * Hands the removals waiting for one document to its writer, whose next write takes them along
   * (`$pullAll` in the same update). The writer gives them back with `returnRemovals` unless that
   * write changed the document. Removals already being sent are not handed out.
   */
  takeRemovals(collection: Collection, docId: unknown): OutboxEntry[] {
    const byDoc = this.confirmed.get(collection);
    const pending = byDoc?.get(String(docId));
    if (!byDoc || !pending) return [];
    byDoc.delete(String(docId));
    this.confirmedCount -= pending.entries.length;
    return pending.entries;
  }

  /** The removals of `takeRemovals` after the writer's write: done, or waiting again. */
  returnRemovals(
    collection: Collection,
    docId: unknown,
    entries: readonly OutboxEntry[],
    removed: boolean,
  ): void {
    if (removed) {
      for (const e of entries) this.known.delete(e.id);
      this.checkIdle();
      return;
    }
    for (const e of entries) this.addConfirmed(collection, docId, e);
  }

  /**
   * Records a confirmed entry for removal; the removal starts after `removalDelayMs` (at once while
   * flushing, REMOVAL_RETRY_MS after a failed removal) or when a batch is full.
   */
  private addConfirmed(
    collection: Collection,
    docId: unknown,
    entry: OutboxEntry,
    retry = false,
  ): void {
    let byDoc = this.confirmed.get(collection);
    if (!byDoc) this.confirmed.set(collection, (byDoc = new Map()));
    const key = String(docId);
    const pending = byDoc.get(key);
    if (pending) pending.entries.push(entry);
    else byDoc.set(key, { docId, entries: [entry] });
    this.confirmedCount++;
    if (!retry && this.confirmedCount >= REMOVAL_BATCH) this.startRemoval();
    else {
      const delayMs = retry ? REMOVAL_RETRY_MS : this.flushing ? 0 : this.removalDelayMs;
      this.removalTimer ??= setTimeout(() => this.startRemoval(), delayMs);
    }
  }

  private startRemoval(): void {
    clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    if (this.closed || this.removal || this.confirmedCount === 0) return;
    const batch: RemovalBatch = new Map(this.confirmed);
    this.confirmed.clear();
    this.confirmedCount = 0;
    this.removal = this.remove(batch).then((ok) => {
      this.removal = undefined;
      // After a failure the retry waits for its timer (set by remove): no hot loop.
      if (ok && this.confirmedCount > 0) this.startRemoval();
      else this.checkIdle();
    });
  }

  /**
   * `$pullAll` of the exact confirmed entries: per collection, bulk writes of at most
   * MAX_UPDATES_PER_COMMAND documents, one after the other. After a failure the rest of the
   * batch is retried a little later.
   */
  private async remove(batch: RemovalBatch): Promise<boolean> {
    const chunks: Array<{ collection: Collection; docs: PendingRemoval[] }> = [];
    for (const [collection, byDoc] of batch) {
      const docs = [...byDoc.values()];
      for (let i = 0; i < docs.length; i += MAX_UPDATES_PER_COMMAND) {
        chunks.push({ collection, docs: docs.slice(i, i + MAX_UPDATES_PER_COMMAND) });
      }
    }
    for (const [n, { collection, docs }] of chunks.entries()) {
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
        if (this.closed) return false; // the next instance's start sweep publishes them again
        // Published but still in their documents: retry the removal a little later. If the
        // process dies first, the entries are published again (consumers deduplicate).
        const left = chunks.slice(n);
        const count = left.reduce((k, c) => k + c.docs.length, 0);
        this.log.warn(
          `removing published outbox entries of ${count} documents from ${collection.collectionName} failed (retried in ${REMOVAL_RETRY_MS}ms): ${err instanceof Error ? err.message : String(err)}`,
        );
        for (const c of left)
          for (const d of c.docs)
            for (const e of d.entries) this.addConfirmed(c.collection, d.docId, e, true);
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the documents with entries in a single batch (`limit` = `batchSize`), never through an
   * open cursor: on FerretDB an open cursor holds one of the database's pooled SQLite connections
   * until its last `getMore` (see MAX_UPDATES_PER_COMMAND). On FerretDB this read is a full scan
   * of each collection: it runs at start and on the slow timer only.
   */
  private async sweepAll(atStart: boolean): Promise<void> {
    const now = Date.now();
    const cutoff = now - this.sweepAfterMs;
    // Only documents with an entry past the lease: younger ones are their writer's (another
    // replica is publishing them), and reading them would fill the one batch with its work.
    // Served on MongoDB by the outbox's `createdAt` index (decision 0019).
    const filter = { [`${OUTBOX_PATH}.createdAt`]: { $lte: new Date(cutoff) } };
    let full = false;
    let queued = 0;
    try {
      for (const collection of this.collections) {
        const docs = await collection
          .find(filter, { limit: SWEEP_LIMIT, batchSize: SWEEP_LIMIT })
          .toArray();
        if (docs.length === SWEEP_LIMIT) full = true;
        for (const doc of docs) {
          for (const e of (doc[OUTBOX_PATH] ?? []) as OutboxEntry[]) {
            if (this.known.has(e.id)) continue;
            // A document past the lease may also hold younger entries: those wait.
            if (new Date(e.createdAt).getTime() > cutoff) continue;
            if (this.enqueue(collection, doc._id, canonicalEntry(e))) queued++;
          }
        }
      }
    } catch (err) {
      this.log.warn(`outbox sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.closed) return;
    // More than one batch of documents: read again once these are published and removed.
    if (full && queued > 0) this.sweepWhenDrained = true;
    // At start, entries too young to take (the query does not even return them) may be a
    // crashed predecessor's: look once more a lease later. Later, young entries of others are
    // their writers' (or the next sweep's).
    if (atStart && !this.recheckTimer) {
      this.recheckTimer = setTimeout(() => {
        this.recheckTimer = undefined;
        void this.sweep();
      }, this.sweepAfterMs + 50);
      this.recheckTimer.unref();
    }
    this.pump();
  }

  /** The queue is empty: run the sweep that was put off, if any. */
  private drained(): void {
    if (this.sweepWhenDrained && this.publishing === 0 && !this.sweeping) {
      this.sweepWhenDrained = false;
      void this.sweep();
    }
    this.checkIdle();
  }

  private updatePending(): void {
    this.metrics.outboxPending.set(
      { service: this.metrics.service },
      this.waiting.length + this.publishing,
    );
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
