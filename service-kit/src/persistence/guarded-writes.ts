import { mongo, type Connection, type Model } from 'mongoose';
import { describeMongoServer } from './mongo-server';

/** A MongoDB query on one document's fields, without `_id` (that is the helper's own argument). */
export type Guard = Record<string, unknown>;

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

/**
 * Conditional single-document writes by `_id`: `findOneAndUpdate`, `updateOne` and `deleteOne`
 * of the document with this `_id` only if it satisfies `guard`, as one operation with the filter
 * `{ _id, ...guard }`. The server evaluates the guard and writes atomically (MongoDB; the
 * project's FerretDB build, decision 0013), found through the `_id` index on both (0014). The
 * answers are the server's: "no match" is `null` / `matchedCount: 0` / `deletedCount: 0`.
 */
export class GuardedWrites {
  constructor(private readonly connection: Connection) {}

  /**
   * Whether the server is FerretDB, which reads the whole collection for a filter without an
   * `_id` equality (asked once per connection): callers may avoid such queries on busy timers.
   */
  async onFerretDb(): Promise<boolean> {
    return (await describeMongoServer(this.connection)).ferretdbVersion !== undefined;
  }

  /** The document after the update, or `null` when the guard refused (or none has this `_id`). */
  async findOneAndUpdate<T = mongo.Document>(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
    update: Record<string, unknown>,
    options: GuardedUpdateOptions = {},
  ): Promise<T | null> {
    checkGuard(guard);
    const filter = { _id: id, ...guard };
    return (await adapt(target).findOneAndUpdate(
      filter,
      update,
      options.upsert ?? false,
    )) as T | null;
  }

  async updateOne(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
    update: Record<string, unknown>,
    options: GuardedUpdateOptions = {},
  ): Promise<GuardedUpdateResult> {
    checkGuard(guard);
    return adapt(target).updateOne({ _id: id, ...guard }, update, options.upsert ?? false);
  }

  async deleteOne(
    target: GuardedTarget,
    id: DocumentId,
    guard: Guard,
  ): Promise<{ deletedCount: number }> {
    checkGuard(guard);
    return adapt(target).deleteOne({ _id: id, ...guard });
  }
}

function checkGuard(guard: Guard): void {
  if ('_id' in guard) throw new Error('a guard names fields other than _id; pass the id apart');
}

/** One interface over a Mongoose model and a driver collection. */
interface Adapter {
  findOneAndUpdate(filter: object, update: object, upsert: boolean): Promise<unknown>;
  updateOne(filter: object, update: object, upsert: boolean): Promise<GuardedUpdateResult>;
  deleteOne(filter: object): Promise<{ deletedCount: number }>;
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
    return {
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
  return {
    findOneAndUpdate: (filter, update, upsert) =>
      collection.findOneAndUpdate(filter, update, { returnDocument: 'after', upsert }),
    updateOne: async (filter, update, upsert) =>
      counts(await collection.updateOne(filter, update, { upsert })),
    deleteOne: async (filter) => ({
      deletedCount: (await collection.deleteOne(filter)).deletedCount,
    }),
  };
}
