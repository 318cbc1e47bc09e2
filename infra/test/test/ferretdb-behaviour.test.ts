/**
 * Pins of the MongoDB-compatible server behind MONGODB_URI (FerretDB 1.24 here) that the services
 * rely on: the "portable MongoDB subset" of the blueprint. If FerretDB changes, one of these
 * names says what changed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { requireEnv } from '../src/env';
import type { RaceOp, RaceSpec } from './support/contender';

interface Server {
  ferretdb: string | undefined;
  version: string;
}

interface OutboxEntry {
  id: string;
  type: string;
}

const DB_NAME = 'infra_tests_pins';

describe('MongoDB subset on the server behind MONGODB_URI', () => {
  let client: MongoClient;
  let db: Db;
  let server: Server;

  before(async () => {
    client = new MongoClient(requireEnv('MONGODB_URI'));
    await client.connect();
    db = client.db(DB_NAME);
    await db.dropDatabase();
    const info = await db.admin().command({ buildInfo: 1 });
    server = {
      ferretdb: typeof info['ferretdbVersion'] === 'string' ? info['ferretdbVersion'] : undefined,
      version: String(info['version']),
    };
  });

  after(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('reports which server it is', (t) => {
    t.diagnostic(
      server.ferretdb
        ? `server: FerretDB ${server.ferretdb} (reports MongoDB ${server.version})`
        : `server: MongoDB ${server.version}`,
    );
    assert.match(server.version, /^\d+\.\d+/);
  });

  // MongoDB's promise: a single-document write is atomic, its filter included, whoever else
  // writes the document at the same time. Each race runs in two client processes with 25
  // connections each, all started at once.
  it('200 guarded decrements of stock 50 from two processes (50 connections): exactly 50 win', async (t) => {
    const products = db.collection<{ _id: string; stock: number }>('race_products');
    await products.insertOne({ _id: 'SKU-1', stock: 50 });

    const won = await race(t, { collection: 'race_products', id: 'SKU-1', op: 'decrement' }, 100);

    const left = await products.findOne({ _id: 'SKU-1' });
    t.diagnostic(`${won} decrements won, stock left ${left?.stock}`);
    assert.equal(won, 50);
    assert.deepEqual(left, { _id: 'SKU-1', stock: 0 });
  });

  it('a revision compare-and-set raced by two processes (200 findOneAndUpdate): exactly one wins', async (t) => {
    const orders = db.collection<{ _id: string; revision: number; owner?: string }>('race_orders');
    await orders.insertOne({ _id: 'order-1', revision: 1 });

    const won = await race(t, { collection: 'race_orders', id: 'order-1', op: 'revision' }, 100);

    assert.equal(won, 1);
    assert.equal((await orders.findOne({ _id: 'order-1' }))?.revision, 2);
  });

  it('a guarded claim and a guarded delete raced by two processes: exactly one wins', async (t) => {
    const claims = db.collection<{ _id: string; claimed: boolean }>('race_claims');
    await claims.insertOne({ _id: 'claim-1', claimed: false });

    const won = await race(
      t,
      { collection: 'race_claims', id: 'claim-1', op: 'claim-or-delete' },
      100,
    );

    assert.equal(won, 1);
    const left = await claims.findOne({ _id: 'claim-1' });
    assert.ok(
      left === null || left.claimed,
      `neither claimed nor deleted: ${JSON.stringify(left)}`,
    );
  });

  it('$pullAll removes exactly the given subdocuments and leaves the others', async () => {
    const orders = db.collection<{ _id: string; outbox: OutboxEntry[] }>('orders');
    const a = { id: 'a', type: 'order.created.v1' };
    const b = { id: 'b', type: 'order.confirmed.v1' };
    const c = { id: 'c', type: 'order.cancelled.v1' };
    await orders.insertOne({ _id: 'pull-all', outbox: [a, b, c] });

    const result = await orders.updateOne(
      { _id: 'pull-all' },
      // The second value differs from `c` in one field: not an exact match, so it stays.
      { $pullAll: { outbox: [a, { id: 'c', type: 'order.created.v1' }] } },
    );

    assert.equal(result.modifiedCount, 1);
    assert.deepEqual((await orders.findOne({ _id: 'pull-all' }))?.outbox, [b, c]);
  });

  it('findOneAndUpdate without projection returns the new document with returnDocument after', async () => {
    const orders = db.collection<{ _id: string; status: string; version: number }>('orders');
    await orders.insertOne({ _id: 'find-and-update', status: 'PENDING', version: 1 });

    const updated = await orders.findOneAndUpdate(
      { _id: 'find-and-update', status: 'PENDING' },
      { $set: { status: 'CONFIRMED' }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );

    assert.deepEqual(updated, { _id: 'find-and-update', status: 'CONFIRMED', version: 2 });
  });

  it('a duplicate insert on a unique index fails with code 11000', async () => {
    const keys = db.collection<{ _id: string; key: string }>('idempotency_keys');
    await keys.createIndex({ key: 1 }, { unique: true });
    await keys.insertOne({ _id: 'k1', key: 'user-1:abc' });

    await assert.rejects(
      keys.insertOne({ _id: 'k2', key: 'user-1:abc' }),
      (error: unknown) => error instanceof MongoServerError && error.code === 11000,
    );
    assert.equal(await keys.countDocuments({ key: 'user-1:abc' }), 1);
  });

  it('FerretDB 1.24: $pull with a condition ({ id: { $in } }) removes nothing — use $pullAll', async () => {
    const orders = db.collection<{ _id: string; outbox: OutboxEntry[] }>('orders');
    const entries = [
      { id: 'a', type: 'order.created.v1' },
      { id: 'b', type: 'order.confirmed.v1' },
    ];
    await orders.insertOne({ _id: 'pull-condition', outbox: entries });

    await orders.updateOne(
      { _id: 'pull-condition' },
      { $pull: { outbox: { id: { $in: ['a'] } } } },
    );

    const outbox = (await orders.findOne({ _id: 'pull-condition' }))?.outbox;
    if (server.ferretdb) {
      // Pinned: when this fails, FerretDB started honouring conditions in $pull.
      assert.deepEqual(outbox, entries);
    } else {
      assert.deepEqual(outbox, [entries[1]]); // MongoDB removes the matching entry
    }
  });
});

const PROCESSES = 2;
const CONNECTIONS_PER_PROCESS = 25;

/**
 * Runs `perProcess` attempts of `op` in each of two client processes, started together once both
 * hold their connections; returns how many attempts the server reported as won in total.
 */
async function race(
  t: { diagnostic(message: string): void },
  target: Pick<RaceSpec, 'collection' | 'id' | 'op'> & { op: RaceOp },
  perProcess: number,
): Promise<number> {
  const script = join(__dirname, 'support', 'contender.js');
  const contenders = Array.from({ length: PROCESSES }, (_, n) => {
    const spec: RaceSpec = {
      uri: requireEnv('MONGODB_URI'),
      db: DB_NAME,
      ...target,
      count: perProcess,
      pool: CONNECTIONS_PER_PROCESS,
      tag: `p${n}`,
    };
    const child = spawn(process.execPath, [script, JSON.stringify(spec)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, lines, exited };
  });
  for (const c of contenders) assert.equal((await c.lines.next()).value, 'ready');
  for (const c of contenders) c.child.stdin.end('go\n');
  const wins: number[] = [];
  for (const c of contenders) {
    const line = (await c.lines.next()).value as string;
    wins.push((JSON.parse(line) as { won: number }).won);
    assert.equal(await c.exited, 0);
  }
  t.diagnostic(`${target.op}: won per process ${wins.join(' + ')}`);
  return wins.reduce((a, b) => a + b, 0);
}
