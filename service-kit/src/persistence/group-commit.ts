import { Injectable } from '@nestjs/common';
import { mongo } from 'mongoose';

/** Inserts sent together at most (one `insert` command). */
const MAX_BATCH = 100;

interface Waiting {
  readonly doc: mongo.Document;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** A driver collection, or Mongoose's wrapper of one (`model.collection`). */
export type InsertTarget = Pick<mongo.Collection, 'insertOne' | 'insertMany'>;

interface Lane {
  busy: boolean;
  readonly waiting: Waiting[];
}

/**
 * Group commit for inserts. While one insert into a collection is in flight, the inserts that
 * arrive meanwhile wait and then go together as one unordered `insertMany`. On FerretDB/SQLite a
 * command is a transaction with an fsync, so N concurrent requests cost one command and one fsync
 * instead of N; an insert that finds its collection idle goes at once, so a quiet service waits
 * for nothing. Each caller gets its own document's outcome: a duplicate key rejects only the
 * request whose document it is (code 11000, as `insertOne` would), and an error of the whole
 * command (connection lost: an unknown outcome, as for a single insert) rejects them all.
 */
@Injectable()
export class InsertBatcher {
  private readonly lanes = new WeakMap<InsertTarget, Lane>();

  insertOne(collection: InsertTarget, doc: mongo.Document): Promise<void> {
    let lane = this.lanes.get(collection);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(collection, lane);
    }
    const queued = lane;
    return new Promise<void>((resolve, reject) => {
      queued.waiting.push({ doc, resolve, reject });
      if (!queued.busy) void this.drain(collection, queued);
    });
  }

  private async drain(collection: InsertTarget, lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (lane.waiting.length > 0) {
        await write(collection, lane.waiting.splice(0, MAX_BATCH));
      }
    } finally {
      lane.busy = false;
    }
  }
}

async function write(collection: InsertTarget, batch: Waiting[]): Promise<void> {
  try {
    if (batch.length === 1) await collection.insertOne(batch[0]!.doc);
    else
      await collection.insertMany(
        batch.map((w) => w.doc),
        { ordered: false },
      );
    for (const w of batch) w.resolve();
  } catch (err) {
    const perDocument = documentErrors(err, batch.length);
    batch.forEach((w, i) => {
      if (!perDocument) w.reject(err);
      else if (perDocument.has(i)) w.reject(perDocument.get(i));
      else w.resolve();
    });
  }
}

/**
 * The errors of single documents by their index in the batch, or undefined when the command as a
 * whole failed (then no caller may assume its document was stored or not).
 */
function documentErrors(err: unknown, size: number): Map<number, Error> | undefined {
  if (size === 1 || !(err instanceof mongo.MongoBulkWriteError)) return undefined;
  if (err.writeConcernError) return undefined;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  if (writeErrors.length === 0) return undefined;
  return new Map(
    writeErrors.map((e) => [
      e.index,
      new mongo.MongoServerError({ message: e.errmsg ?? 'write error', code: e.code }),
    ]),
  );
}
