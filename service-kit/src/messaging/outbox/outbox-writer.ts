import { Injectable } from '@nestjs/common';
import type { Model, UpdateQuery } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { InsertBatcher } from '../../persistence/group-commit';
import { OutboxRelay } from './outbox-relay';
import { OUTBOX_PATH, toOutboxEntries } from './outbox.schema';

/**
 * Writes a state change and the events it causes in ONE single-document write, then hands the
 * written document to the relay. The write is the acceptance: nothing here waits on the broker.
 */
@Injectable()
export class OutboxWriter {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly batcher: InsertBatcher,
  ) {}

  /**
   * Inserts `doc` with `events` in its outbox; returns the stored document (lean). Cast and
   * validated by the model's schema (no save hooks run), then sent through the group commit:
   * concurrent inserts into one collection share one command (`InsertBatcher`). A duplicate `_id`
   * fails as `insertOne` would (code 11000).
   */
  async insert<T>(
    model: Model<T>,
    doc: Record<string, unknown>,
    events: readonly AnyCloudEvent[],
  ): Promise<T> {
    const document = new model({ ...doc, [OUTBOX_PATH]: toOutboxEntries(events) });
    await document.validate();
    const stored = document.toObject() as T;
    await this.batcher.insertOne(model.collection, stored as never);
    this.relay.kick(model, stored);
    return stored;
  }

  /**
   * A guarded update: `findOneAndUpdate(filter, { ...update, $push: { outbox: { $each } } })`
   * returning the document after the write, or `null` when the filter matched nothing (the guard
   * refused; no event is written). `update` must not use `$push` on `outbox` itself.
   * The filter and the write are one operation, atomic on the server (decision 0013 for the
   * local FerretDB); a filter with an `_id` equality finds its document through the `_id` index.
   *
   * An update that writes no events takes along the removals of the document's published entries
   * that wait in the relay (`$pullAll` in the same write, decision 0030): they cost no command of
   * their own. (An update with events cannot: `$push` and `$pullAll` of one array in one update
   * conflict on MongoDB.)
   */
  async update<T>(
    model: Model<T>,
    filter: Record<string, unknown>,
    update: UpdateQuery<T>,
    events: readonly AnyCloudEvent[],
    options: { upsert?: boolean } = {},
  ): Promise<T | null> {
    const entries = toOutboxEntries(events);
    const push = { ...((update.$push as Record<string, unknown> | undefined) ?? {}) };
    if (OUTBOX_PATH in push) throw new Error('update already pushes to the outbox');
    if (entries.length > 0) {
      const full = { ...update, $push: { ...push, [OUTBOX_PATH]: { $each: entries } } };
      const after = await this.findOneAndUpdate(model, filter, full as UpdateQuery<T>, options);
      if (after) this.relay.kick(model, after);
      return after;
    }
    const docId = filter['_id'];
    const removals = isPlainId(docId) ? this.relay.takeRemovals(model.collection, docId) : [];
    if (removals.length === 0) return this.findOneAndUpdate(model, filter, update, options);
    let after: T | null = null;
    try {
      const pull = { ...((update.$pullAll as Record<string, unknown> | undefined) ?? {}) };
      if (OUTBOX_PATH in pull) throw new Error('update already pulls from the outbox');
      const full = { ...update, $pullAll: { ...pull, [OUTBOX_PATH]: removals } };
      after = await this.findOneAndUpdate(model, filter, full as UpdateQuery<T>, options);
      return after;
    } finally {
      this.relay.returnRemovals(model.collection, docId, removals, after !== null);
    }
  }

  private async findOneAndUpdate<T>(
    model: Model<T>,
    filter: Record<string, unknown>,
    update: UpdateQuery<T>,
    options: { upsert?: boolean },
  ): Promise<T | null> {
    return (await model
      .findOneAndUpdate(filter, update, {
        returnDocument: 'after',
        upsert: options.upsert ?? false,
      })
      .lean()
      .exec()) as T | null;
  }
}

/** An `_id` given as a value, not as a query operator. */
function isPlainId(id: unknown): boolean {
  return (
    typeof id === 'string' ||
    typeof id === 'number' ||
    (typeof id === 'object' && id !== null && !Object.keys(id).some((k) => k.startsWith('$')))
  );
}
