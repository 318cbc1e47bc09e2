// Idempotency keys by `_id` = `<user>:<key>`; expired records are ignored on read and removed by
// the sweeper.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { GuardedWrites, InsertBatcher } from '@eventshop/service-kit';
import type { IdempotencyRecord } from '../domain/idempotency';
import { IDEMPOTENCY_KEY_MODEL, type IdempotencyKeyDocument } from './idempotency-key.schema';
import { isDuplicateKeyError } from './mongo-errors';

@Injectable()
export class IdempotencyKeysRepository {
  constructor(
    @InjectModel(IDEMPOTENCY_KEY_MODEL) private readonly keys: Model<IdempotencyKeyDocument>,
    private readonly guarded: GuardedWrites,
    private readonly batcher: InsertBatcher,
  ) {}

  async find(id: string): Promise<IdempotencyRecord | undefined> {
    const doc = await this.keys.findOne({ _id: id }).lean<IdempotencyKeyDocument>().exec();
    if (!doc) return undefined;
    return {
      userId: doc.userId,
      fingerprint: doc.fingerprint,
      orderId: doc.orderId,
      expiresAt: new Date(doc.expiresAt),
    };
  }

  /**
   * False when a record with this id exists already (another request won the race). The guarded
   * delete of `deleteExpired` compares the record it read, so it never removes this one.
   * Concurrent requests' keys go as one command (the kit's group commit, decision 0029).
   */
  async insert(id: string, record: IdempotencyRecord, now: Date): Promise<boolean> {
    try {
      await this.batcher.insertOne(this.keys.collection, {
        _id: id,
        ...record,
        createdAt: now,
      } as never);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** Removes one expired record, only if it is still the one that was read. */
  async deleteExpired(id: string, record: IdempotencyRecord): Promise<void> {
    await this.guarded.deleteOne(this.keys, id, {
      orderId: record.orderId,
      expiresAt: record.expiresAt,
    });
  }

  /** Sweeper: removes every record expired at `now`; returns how many. */
  async sweepExpired(now: Date): Promise<number> {
    const result = await this.keys.deleteMany({ expiresAt: { $lte: now } }).exec();
    return result.deletedCount;
  }
}
