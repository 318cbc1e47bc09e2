// GuardedWrites against the real database of the test infrastructure (the project's FerretDB
// build here, or MongoDB): the server respects the guard, and concurrent guarded writes of one
// document through a pool of connections are atomic.
import assert from 'node:assert/strict';
import { createEvent } from '@eventshop/events-contracts';
import { after, before, describe, it } from 'node:test';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import {
  checkConditionalWrites,
  describeMongoServer,
  GuardedWrites,
  InsertBatcher,
  OutboxWriter,
  withOutbox,
  type OutboxRelay,
} from '../../src';
import { testInfra, type TestScope } from '../../src/testing';

interface Stock {
  _id: string;
  stock: number;
  revision: number;
  status: string;
  leaseUntil?: Date;
  holders: string[];
}

const stockSchema = new Schema<Stock>(
  {
    _id: { type: String, required: true },
    stock: { type: Number, required: true },
    revision: { type: Number, required: true },
    status: { type: String, required: true },
    leaseUntil: { type: Date },
    holders: { type: [String], default: [] },
  },
  { collection: 'stock', versionKey: false },
);

const POOL = 20;

describe('GuardedWrites against the real database', () => {
  let scope: TestScope;
  let connection: Connection;
  let Stocks: Model<Stock>;

  before(async () => {
    scope = await (await testInfra()).scope('kit-guarded-writes');
    connection = await mongoose
      .createConnection(scope.env.MONGODB_URI, { maxPoolSize: POOL, minPoolSize: POOL })
      .asPromise();
    Stocks = connection.model<Stock>('Stock', stockSchema);
  });

  after(async () => {
    await connection?.close();
    await scope?.dispose();
  });

  const seed = async (id: string, fields: Partial<Stock> = {}) => {
    await Stocks.deleteOne({ _id: id });
    await Stocks.create({ _id: id, stock: 150, revision: 1, status: 'open', ...fields });
  };

  it('the server passes the start check with a pool of connections', async () => {
    checkConditionalWrites(await describeMongoServer(connection), POOL);
  });

  it(`200 concurrent guarded decrements of a stock of 150 through ${POOL} connections: exactly 150 succeed`, async () => {
    await seed('sku-1');
    const writes = new GuardedWrites(connection);
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        writes.updateOne(Stocks, 'sku-1', { stock: { $gte: 1 } }, { $inc: { stock: -1 } }),
      ),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal(results.filter((r) => r.matchedCount === 0).length, 50);
    assert.equal((await Stocks.findById('sku-1').lean())?.stock, 0);
  });

  it('a model and a driver collection of one collection race atomically', async () => {
    await seed('sku-2');
    const writes = new GuardedWrites(connection);
    const decrement = (i: number) =>
      writes.updateOne(
        i % 2 === 0 ? Stocks : Stocks.collection,
        'sku-2',
        { stock: { $gte: 1 } },
        {
          $inc: { stock: -1 },
        },
      );
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => decrement(i)));
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal((await Stocks.findById('sku-2').lean())?.stock, 0);
  });

  it('findOneAndUpdate respects the guard, returns the document after, and casts by the schema', async () => {
    await seed('o-1');
    const writes = new GuardedWrites(connection);
    const refused = await writes.findOneAndUpdate(
      Stocks,
      'o-1',
      { revision: 2 },
      { $set: { status: 'done' }, $inc: { revision: 1 } },
    );
    assert.equal(refused, null);
    assert.equal((await Stocks.findById('o-1').lean())?.status, 'open', 'nothing written');
    const done = await writes.findOneAndUpdate<Stock>(
      Stocks,
      'o-1',
      { revision: '1', status: 'open' }, // '1' is cast to 1 by the schema, as Mongoose would
      { $set: { status: 'done' }, $inc: { revision: 1 } },
    );
    assert.equal(done?.status, 'done');
    assert.equal(done?.revision, 2);
    assert.equal(
      await writes.findOneAndUpdate(Stocks, 'missing', { revision: 1 }, { $set: { status: 'x' } }),
      null,
    );
  });

  it('a lease guard on a Date and a $ne on an array behave as on the server', async () => {
    const now = new Date();
    await seed('n-1', { status: 'sending', leaseUntil: new Date(now.getTime() + 60_000) });
    const writes = new GuardedWrites(connection);
    const claim = () =>
      writes.findOneAndUpdate<Stock>(
        Stocks,
        'n-1',
        { status: 'sending', leaseUntil: { $lte: now } },
        { $set: { leaseUntil: new Date(now.getTime() + 60_000) } },
      );
    assert.equal(await claim(), null, 'the lease has not run out');
    await Stocks.updateOne({ _id: 'n-1' }, { $set: { leaseUntil: new Date(now.getTime() - 1) } });
    assert.notEqual(await claim(), null, 'the lease ran out');
    assert.equal(await claim(), null, 'taken once only');

    const hold = (order: string) =>
      writes.updateOne(
        Stocks,
        'n-1',
        { holders: { $ne: order } },
        { $push: { holders: order }, $inc: { stock: -1 } },
      );
    assert.equal((await hold('a')).modifiedCount, 1);
    assert.equal((await hold('a')).matchedCount, 0);
    assert.equal((await hold('b')).modifiedCount, 1);
    assert.deepEqual((await Stocks.findById('n-1').lean())?.holders, ['a', 'b']);
  });

  it('upsert: inserts an absent id with the guard’s equality fields; a refused present one fails E11000', async () => {
    const raw = connection.db!.collection('catalog');
    const writes = new GuardedWrites(connection);
    const first = await writes.updateOne(
      raw,
      'sku-9',
      { kind: 'product', version: { $lt: 2 } },
      { $set: { version: 2, name: 'two' } },
      { upsert: true },
    );
    assert.equal(first.upsertedCount, 1);
    assert.deepEqual(await raw.findOne({ _id: 'sku-9' as never }), {
      _id: 'sku-9',
      kind: 'product',
      version: 2,
      name: 'two',
    });
    await assert.rejects(
      writes.updateOne(
        raw,
        'sku-9',
        { version: { $lt: 2 } },
        { $set: { version: 2 } },
        { upsert: true },
      ),
      (err: { code?: number }) => err.code === 11000,
    );
    const newer = await writes.updateOne(
      raw,
      'sku-9',
      { version: { $lt: 3 } },
      { $set: { version: 3 } },
      { upsert: true },
    );
    assert.equal(newer.modifiedCount, 1);
    assert.deepEqual(await writes.deleteOne(raw, 'sku-9', { version: 2 }), { deletedCount: 0 });
    assert.deepEqual(await writes.deleteOne(raw, 'sku-9', { version: 3 }), { deletedCount: 1 });
  });

  it('the outbox writer’s guarded update writes no event when refused', async () => {
    interface Order {
      _id: string;
      status: string;
      revision: number;
    }
    const orderSchema = withOutbox(
      new Schema<Order>(
        { _id: String, status: String, revision: Number },
        { collection: 'orders', versionKey: false },
      ),
    );
    const Orders = connection.model<Order>('GwOrder', orderSchema);
    await Orders.create({ _id: 'ord-1', status: 'PENDING', revision: 1 });
    const kicked: unknown[] = [];
    const relay = {
      kick: (_m: unknown, doc: unknown) => kicked.push(doc),
    } as unknown as OutboxRelay;
    const writer = new OutboxWriter(relay, new InsertBatcher());
    // A valid event: the writer refuses to store one its contract rejects.
    const orderId = '0b8f3f5e-8a0e-4a57-9a53-3a4d6a7f0002';
    const event = createEvent('order.confirmed.v1', {
      id: '0b8f3f5e-8a0e-4a57-9a53-3a4d6a7f0001',
      source: '/test',
      subject: orderId,
      data: {
        orderId,
        userId: 'user-1',
        email: 'user@example.com',
        currency: 'EUR',
        totalMinor: 500,
        lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 }],
      },
    });
    const refused = await writer.update(
      Orders,
      { _id: 'ord-1', revision: 7 },
      { $set: { status: 'CONFIRMED' } },
      [event],
    );
    assert.equal(refused, null);
    const done = (await writer.update(
      Orders,
      { _id: 'ord-1', revision: 1, status: 'PENDING' },
      { $set: { status: 'CONFIRMED' }, $inc: { revision: 1 } },
      [event],
    )) as { status: string; outbox: { id: string }[] } | null;
    assert.equal(done?.status, 'CONFIRMED');
    assert.deepEqual(
      done?.outbox.map((e) => e.id),
      ['0b8f3f5e-8a0e-4a57-9a53-3a4d6a7f0001'],
    );
    assert.equal(kicked.length, 1, 'only the write that happened is handed to the relay');
  });
});
