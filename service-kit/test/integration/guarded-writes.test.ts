// GuardedWrites against the real database of the test infrastructure (FerretDB 1.24 here, or
// MongoDB): the guard is respected, concurrent guarded writes of one document in one process
// serialise, and in `in-process` mode every filter the server receives is `{ _id }` alone.
// The serialisation test relies on the blueprint's rule for FerretDB: one connection per process
// (`maxPoolSize=1`) and this process the only writer of its database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose, { Schema, type Connection, type Model, type mongo } from 'mongoose';
import {
  detectGuardedWriteMode,
  GuardedWrites,
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

/** Filters of the write and read commands the server received, by collection. */
class CommandLog {
  readonly filters: { command: string; collection: string; filter: unknown }[] = [];

  record(event: mongo.CommandStartedEvent): void {
    const c = event.command as Record<string, unknown>;
    const name = event.commandName;
    const collection = String(c[name]);
    if (name === 'findAndModify')
      this.filters.push({ command: name, collection, filter: c['query'] });
    if (name === 'find') this.filters.push({ command: name, collection, filter: c['filter'] });
    if (name === 'update')
      for (const u of c['updates'] as { q: unknown }[])
        this.filters.push({ command: name, collection, filter: u.q });
    if (name === 'delete')
      for (const d of c['deletes'] as { q: unknown }[])
        this.filters.push({ command: name, collection, filter: d.q });
  }

  on(collection: string) {
    return this.filters.filter((f) => f.collection === collection);
  }

  clear(): void {
    this.filters.length = 0;
  }
}

function idOnly(filter: unknown): boolean {
  return (
    typeof filter === 'object' &&
    filter !== null &&
    Object.keys(filter).join() === '_id' &&
    typeof (filter as { _id: unknown })._id === 'string'
  );
}

describe('GuardedWrites against the real database', () => {
  let scope: TestScope;
  let connection: Connection;
  let Stocks: Model<Stock>;
  let isFerret: boolean;
  const log = new CommandLog();

  before(async () => {
    scope = await (await testInfra()).scope('kit-guarded-writes');
    connection = await mongoose
      .createConnection(scope.env.MONGODB_URI, { monitorCommands: true })
      .asPromise();
    connection.getClient().on('commandStarted', (e) => log.record(e));
    Stocks = connection.model<Stock>('Stock', stockSchema);
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    isFerret = typeof info['ferretdbVersion'] === 'string';
  });

  after(async () => {
    await connection?.close();
    await scope?.dispose();
  });

  const seed = async (id: string, fields: Partial<Stock> = {}) => {
    await Stocks.deleteOne({ _id: id });
    await Stocks.create({ _id: id, stock: 150, revision: 1, status: 'open', ...fields });
  };

  it('auto mode asks the server: in-process on FerretDB, server-side on MongoDB', async () => {
    assert.equal(await detectGuardedWriteMode(connection), isFerret ? 'in-process' : 'server');
    assert.equal(await new GuardedWrites(connection).mode(), isFerret ? 'in-process' : 'server');
  });

  it('200 concurrent guarded decrements of a stock of 150: exactly 150 succeed, filters are { _id }', async () => {
    await seed('sku-1');
    const writes = new GuardedWrites(connection, 'in-process');
    log.clear();
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        writes.updateOne(Stocks, 'sku-1', { stock: { $gte: 1 } }, { $inc: { stock: -1 } }),
      ),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal(results.filter((r) => r.matchedCount === 0).length, 50);
    assert.equal((await Stocks.findById('sku-1').lean())?.stock, 0);
    const sent = log.on('stock');
    assert.ok(sent.length >= 350, `expected reads and writes, saw ${sent.length}`);
    assert.deepEqual(
      sent.filter((f) => !idOnly(f.filter)),
      [],
      'the server only ever receives { _id }',
    );
  });

  it('a model and a driver collection of one collection share the document’s lock', async () => {
    await seed('sku-2');
    const viaModel = new GuardedWrites(connection, 'in-process');
    const viaDriver = new GuardedWrites(connection, 'in-process');
    const decrement = (i: number) =>
      i % 2 === 0
        ? viaModel.updateOne(Stocks, 'sku-2', { stock: { $gte: 1 } }, { $inc: { stock: -1 } })
        : viaDriver.updateOne(
            Stocks.collection,
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
    const writes = new GuardedWrites(connection, 'in-process');
    log.clear();
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
    assert.ok(log.on('stock').every((f) => idOnly(f.filter)));
  });

  it('a lease guard on a Date and a $ne on an array behave as on the server', async () => {
    const now = new Date();
    await seed('n-1', { status: 'sending', leaseUntil: new Date(now.getTime() + 60_000) });
    const writes = new GuardedWrites(connection, 'in-process');
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

  it('gives the same answers in both modes (the server evaluating the guard, or the process)', async () => {
    const cases: { guard: Record<string, unknown>; update: Record<string, unknown> }[] = [
      { guard: { revision: 1 }, update: { $inc: { revision: 1 } } },
      { guard: { revision: 5 }, update: { $inc: { revision: 1 } } },
      { guard: { stock: { $gte: 150 }, status: 'open' }, update: { $inc: { stock: -150 } } },
      { guard: { stock: { $gte: 151 } }, update: { $inc: { stock: -151 } } },
      { guard: { holders: { $ne: 'x' } }, update: { $push: { holders: 'x' } } },
      { guard: { holders: 'x' }, update: { $push: { holders: 'x' } } },
      { guard: { status: { $in: ['open', 'closed'] } }, update: { $set: { status: 'closed' } } },
    ];
    for (const [i, c] of cases.entries()) {
      const answers: unknown[] = [];
      for (const mode of ['server', 'in-process'] as const) {
        await seed(`p-${i}`);
        const r = await new GuardedWrites(connection, mode).updateOne(
          Stocks,
          `p-${i}`,
          c.guard,
          c.update,
        );
        const doc = await Stocks.findById(`p-${i}`).lean();
        answers.push({ r, doc });
      }
      assert.deepEqual(answers[1], answers[0], `case ${i}: ${JSON.stringify(c.guard)}`);
    }
  });

  it('upsert: inserts an absent id with the guard’s equality fields; a refused present one fails E11000', async () => {
    const raw = connection.db!.collection('catalog');
    const writes = new GuardedWrites(connection, 'in-process');
    log.clear();
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
    assert.ok(log.on('catalog').every((f) => idOnly(f.filter)));
  });

  it('the outbox writer’s guarded update sends { _id } only and writes no event when refused', async () => {
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
    const writer = new OutboxWriter(relay, new GuardedWrites(connection, 'in-process'));
    const event = {
      specversion: '1.0',
      id: '0b8f3f5e-8a0e-4a57-9a53-3a4d6a7f0001',
      type: 'order.confirmed.v1',
      source: '/test',
      time: new Date().toISOString(),
      subject: 'ord-1',
      datacontenttype: 'application/json',
      data: { orderId: 'ord-1' },
    } as never;
    log.clear();
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
    assert.ok(log.on('orders').length >= 3);
    assert.ok(log.on('orders').every((f) => idOnly(f.filter)));
  });
});
