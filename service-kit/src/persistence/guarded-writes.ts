import { mongo, type Connection, type Model } from 'mongoose';
import { matchesGuard, withInsertFields, type Guard } from './guard-match';
import { KeyedLock } from './keyed-lock';

/**
 * How a guarded write runs:
 * - `server`: one conditional operation with the filter `{ _id, ...guard }` (MongoDB: atomic,
 *   one round trip, found through the `_id` index);
 * - `in-process`: under a per-`_id` lock of this process, read the document by `{ _id }`,
 *   evaluate the guard in memory, and if it holds write with the filter `{ _id }` alone.
 *   For FerretDB 1.x, which pushes only an exactly-`{ _id }` filter down to SQLite and scans the
 *   whole collection for anything else.
 */
export type GuardedWriteMode = 'server' | 'in-process';
/** `auto` asks the server once per connection: FerretDB's `buildInfo` has `ferretdbVersion`. */
export type GuardedWriteSetting = 'auto' | GuardedWriteMode;

/** A Mongoose model (filters and updates are cast by its schema) or a driver collection (as is). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model, whatever its document type
export type GuardedTarget = Model<any> | mongo.Collection<any>;

export interface GuardedUpdateOptions {
  /** As MongoDB's upsert of `{ _id, ...guard }`: inserts when no document has this `_id`; when
   * one has it but the guard refuses, fails with a duplicate-key error (code 11000). */
  readonly upsert?: boolean;
}

export interface GuardedUpdateResult {
  readonly matchedCount: number;
  readonly modifiedCount: number;
  readonly upsertedCount: number;
}

export type DocumentId = string | mongo.ObjectId | number;

/** Locks are per connection, so every helper on one connection shares them. */
const locksByConnection = new WeakMap<Connection, KeyedLock>();
const modeByConnection = new WeakMap<Connection, Promise<GuardedWriteMode>>();

/** Asks the server what it is; FerretDB says so in `buildInfo`. */
export async function detectGuardedWriteMode(connection: Connection): Promise<GuardedWriteMode> {
  if (connection.readyState !== 1) await connection.asPromise();
  const db = connection.db;
  if (!db) throw new Error('the MongoDB connection is not open');
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string' ? 'in-process' : 'server';
}

/**
 * Conditional single-document writes by `_id`: `findOneAndUpdate`, `updateOne` and `deleteOne`
 * of the document with this `_id` only if it satisfies `guard`, with the server's results
 * ("no match" is `null` / `matchedCount: 0` / `deletedCount: 0`, upserts as on MongoDB).
 *
 * In `in-process` mode the guard is checked between a read and a write, which is only correct
 * when nothing else writes a guarded field of that document in between. That holds because
 * (the blueprint's rule for FerretDB) each database has ONE writing process with ONE connection,
 * and inside it EVERY write that can change a field some guard reads goes through this helper
 * (an unguarded one with `guard = {}`, an insert with `exclusive`), so the per-`_id` lock orders
 * it. Writes that touch no guarded field may bypass the lock: each single operation is still
 * atomic on the one connection (e.g. the outbox relay's `$pullAll` of published entries, as long
 * as no guard reads `outbox`). Sweepers that delete by a scan may also bypass it: a document
 * deleted between the read and the write is simply not matched by the `_id`-only write.
 */
export class GuardedWrites {
  private readonly lock: KeyedLock;
  private detected: Promise<GuardedWriteMode> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly setting: GuardedWriteSetting = 'auto',
  ) {
    let lock = locksByConnection.get(connection);
    if (!lock) locksByConnection.set(connection, (lock = new KeyedLock()));
    this.lock = lock;
  }

  /** The mode in force (asks the server once per connection when the setting is `auto`). */
  mode(): Promise<GuardedWriteMode> {
    if (this.setting !== 'auto') return Promise.resolve(this.setting);
    if (this.detected) return this.detected;
    let shared = modeByConnection.get(this.connection);
    if (!shared) {
      shared = detectGuardedWriteMode(this.connection);
      modeByConnection.set(this.connection, shared);
      // A failed probe (database down) is asked again by the next write.
      shared.catch(() => modeByConnection.delete(this.connection));
    }
    this.detected = shared;
    shared.catch(() => (this.detected = undefined));
    return shared;
  }

  /** The document after the update, or `null` when the guard refused (or none has this `_id`). */
  async findOneAndUpdate<T = mongo.Document>(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
    update: Record<string, unknown>,
    options: GuardedUpdateOptions = {},
  ): Promise<T | null> {
    const t = adapt(target);
    checkGuard(guard);
    const upsert = options.upsert ?? false;
    if ((await this.mode()) === 'server') {
      return (await t.findOneAndUpdate({ _id: id, ...guard }, update, upsert)) as T | null;
    }
    return this.lock.run(t.lockKey(id), async () => {
      const decision = await this.decide(t, id, guard, upsert);
      if (decision === 'refuse') return null;
      const write = decision === 'insert' ? withInsertFields(update, t.cast(guard)) : update;
      return (await t.findOneAndUpdate({ _id: id }, write, upsert)) as T | null;
    });
  }

  async updateOne(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
    update: Record<string, unknown>,
    options: GuardedUpdateOptions = {},
  ): Promise<GuardedUpdateResult> {
    const t = adapt(target);
    checkGuard(guard);
    const upsert = options.upsert ?? false;
    if ((await this.mode()) === 'server') {
      return t.updateOne({ _id: id, ...guard }, update, upsert);
    }
    return this.lock.run(t.lockKey(id), async () => {
      const decision = await this.decide(t, id, guard, upsert);
      if (decision === 'refuse') return NO_MATCH;
      const write = decision === 'insert' ? withInsertFields(update, t.cast(guard)) : update;
      return t.updateOne({ _id: id }, write, upsert);
    });
  }

  async deleteOne(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
  ): Promise<{ deletedCount: number }> {
    const t = adapt(target);
    checkGuard(guard);
    if ((await this.mode()) === 'server') return t.deleteOne({ _id: id, ...guard });
    return this.lock.run(t.lockKey(id), async () => {
      const decision = await this.decide(t, id, guard, false);
      if (decision === 'refuse') return { deletedCount: 0 };
      return t.deleteOne({ _id: id });
    });
  }

  /**
   * Runs `work` while holding this `_id`'s lock (in `in-process` mode; at once otherwise): for
   * an insert or a read-then-write of a guarded document that is not one of the calls above.
   * `work` must not call this helper for the same document (the lock is not re-entrant).
   */
  async exclusive<R>(target: GuardedTarget, id: DocumentId, work: () => Promise<R>): Promise<R> {
    if ((await this.mode()) === 'server') return work();
    return this.lock.run(adapt(target).lockKey(id), work);
  }

  /**
   * What the server would do with `{ _id, ...guard }`: `write` (matched), `insert` (upsert of an
   * absent `_id`), `refuse` (no match, no upsert). A present document the guard refuses under
   * upsert is MongoDB's duplicate-key error on `_id`.
   */
  private async decide(
    t: Adapter,
    id: DocumentId,
    guard: Guard,
    upsert: boolean,
  ): Promise<'write' | 'insert' | 'refuse'> {
    // With no guard there is nothing to check: the `_id`-only write gives the server's answer.
    if (Object.keys(guard).length === 0) return 'write';
    const current = await t.findById(id);
    if (current === null) return upsert ? 'insert' : 'refuse';
    if (matchesGuard(current, t.cast(guard))) return 'write';
    if (upsert) throw duplicateIdError(t.namespace, id);
    return 'refuse';
  }
}

const NO_MATCH: GuardedUpdateResult = { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };

function checkGuard(guard: Guard): void {
  if ('_id' in guard) throw new Error('a guard names fields other than _id; pass the id apart');
}

function duplicateIdError(namespace: string, id: DocumentId): mongo.MongoServerError {
  return new mongo.MongoServerError({
    message: `E11000 duplicate key error collection: ${namespace} index: _id_ dup key: { _id: ${JSON.stringify(String(id))} }`,
    code: 11000,
    codeName: 'DuplicateKey',
    keyPattern: { _id: 1 },
    keyValue: { _id: id },
  });
}

/** One interface over a Mongoose model and a driver collection. */
interface Adapter {
  readonly namespace: string;
  lockKey(id: DocumentId): string;
  cast(guard: Guard): Guard;
  findById(id: DocumentId): Promise<object | null>;
  findOneAndUpdate(filter: object, update: object, upsert: boolean): Promise<unknown>;
  updateOne(filter: object, update: object, upsert: boolean): Promise<GuardedUpdateResult>;
  deleteOne(filter: object): Promise<{ deletedCount: number }>;
}

function idKey(id: DocumentId): string {
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number') return `n:${id}`;
  return `o:${id.toHexString()}`;
}

/**
 * Locks are per connection (one database), so the collection name and the id identify the
 * document; a model, its `model.collection` and the driver's collection all give the same key.
 */
function lockKey(collectionName: string, id: DocumentId): string {
  return `${collectionName}\u0000${idKey(id)}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isModel(target: GuardedTarget): target is Model<any> {
  return typeof target === 'function';
}

function counts(r: {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}): GuardedUpdateResult {
  return {
    matchedCount: r.matchedCount,
    modifiedCount: r.modifiedCount,
    upsertedCount: r.upsertedCount,
  };
}

function adapt(target: GuardedTarget): Adapter {
  if (isModel(target)) {
    const model = target;
    const namespace = `${model.db.name}.${model.collection.collectionName}`;
    return {
      namespace,
      lockKey: (id) => lockKey(model.collection.collectionName, id),
      // The stored values are what the schema made of them: compare with the guard cast alike.
      cast: (guard) => model.find().cast(model, { ...guard }) as Guard,
      findById: async (id) =>
        (await model.findOne({ _id: id }).lean().exec()) as unknown as object | null,
      findOneAndUpdate: (filter, update, upsert) =>
        model.findOneAndUpdate(filter, update, { returnDocument: 'after', upsert }).lean().exec(),
      updateOne: async (filter, update, upsert) =>
        counts(await model.updateOne(filter, update, { upsert }).exec()),
      deleteOne: async (filter) => ({
        deletedCount: (await model.deleteOne(filter).exec()).deletedCount,
      }),
    };
  }
  const collection = target;
  const namespace = collection.namespace ?? collection.collectionName;
  return {
    namespace,
    lockKey: (id) => lockKey(collection.collectionName, id),
    cast: (guard) => guard,
    findById: (id) => collection.findOne({ _id: id } as mongo.Filter<mongo.Document>),
    findOneAndUpdate: (filter, update, upsert) =>
      collection.findOneAndUpdate(filter, update, { returnDocument: 'after', upsert }),
    updateOne: async (filter, update, upsert) =>
      counts(await collection.updateOne(filter, update, { upsert })),
    deleteOne: async (filter) => ({
      deletedCount: (await collection.deleteOne(filter)).deletedCount,
    }),
  };
}
