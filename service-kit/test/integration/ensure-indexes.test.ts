// ensureIndexes creates the indexes the schemas declare, says which it created, creates nothing
// the second time, and keeps a TTL index a TTL index only where the server has them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Logger } from '@nestjs/common';
import { Schema, type Connection } from 'mongoose';
import { ensureIndexes, withOutbox } from '../../src';
import { describeMongoServer } from '../../src/persistence/mongo-server';
import type { TestScope } from '../../src/testing';
import { connectDb, fileScope } from '../helpers';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('ensure-indexes');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

/** Collects what the helper logs. */
class Lines extends Logger {
  readonly lines: string[] = [];
  override log(message: unknown): void {
    this.lines.push(String(message));
  }
}

test('creates the declared indexes once, TTL where the server supports it', async () => {
  const orderSchema = withOutbox(new Schema({ userId: String, status: String, createdAt: Date }));
  orderSchema.index({ userId: 1, createdAt: -1 });
  orderSchema.index({ status: 1 }, { unique: false, background: true });
  const keySchema = new Schema({ expiresAt: Date }, { autoIndex: false });
  keySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  const models = [
    db.model('IndexedOrder', orderSchema, 'indexed_orders'),
    db.model('IndexedKey', keySchema, 'indexed_keys'),
  ];

  const log = new Lines();
  const created = await ensureIndexes(models, log);
  assert.deepEqual(created.sort(), [
    'indexed_keys.expiresAt_1',
    'indexed_orders.outbox.createdAt_1',
    'indexed_orders.status_1',
    'indexed_orders.userId_1_createdAt_-1',
  ]);
  assert.match(log.lines.at(-1)!, /indexes in place on indexed_orders, indexed_keys; created /);

  const keys = await db.collection('indexed_orders').listIndexes().toArray();
  assert.deepEqual(keys.map((i) => JSON.stringify(i['key'])).sort(), [
    '{"_id":1}',
    '{"outbox.createdAt":1}',
    '{"status":1}',
    '{"userId":1,"createdAt":-1}',
  ]);
  const ttl = (await db.collection('indexed_keys').listIndexes().toArray()).find(
    (i) => i['name'] === 'expiresAt_1',
  );
  const server = await describeMongoServer(db);
  if (server.ferretdbVersion === undefined) assert.equal(ttl?.['expireAfterSeconds'], 0);
  else {
    assert.equal(ttl?.['expireAfterSeconds'], undefined);
    assert.ok(log.lines.some((l) => /no TTL indexes; a plain index/.test(l)));
  }

  const again = new Lines();
  assert.deepEqual(await ensureIndexes(models, again), []);
  assert.match(again.lines.at(-1)!, /none missing/);
});
