/**
 * The local FerretDB's SQLite WAL stays bounded under a stream of updates (decision 0033).
 *
 * SQLite restarts its WAL only when no reader holds an older frame. FerretDB 1.24's `update`
 * kept its read of the matching document open until its write had committed, so under a stream
 * of updates some reader always held an older frame: the WAL never restarted and grew by a page
 * or two per commit (170 MB in 30 s), and every commit re-sorted it in the automatic checkpoint.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { requireEnv } from '../src/env';
import { repoRoot } from '../src/repo';

const DB_NAME = 'infra_tests_wal';
const DOCUMENTS = 100;
const UPDATES = 4000;
const WRITERS = 16;
const READERS = 4;
/** SQLite checkpoints at 1000 pages (4 MB); twice that leaves room for the commits in flight. */
const WAL_LIMIT_BYTES = 8 * 1024 * 1024;

describe('the local FerretDB under a stream of updates', () => {
  let client: MongoClient;
  let db: Db;
  let ferretdb = false;

  before(async () => {
    client = new MongoClient(requireEnv('MONGODB_URI'), { maxPoolSize: WRITERS + READERS });
    await client.connect();
    db = client.db(DB_NAME);
    await db.dropDatabase();
    const info = await db.admin().command({ buildInfo: 1 });
    ferretdb = typeof info['ferretdbVersion'] === 'string';
  });

  after(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it(`keeps its WAL under 8 MB through ${UPDATES} updates by ${WRITERS} writers beside ${READERS} readers`, async (t) => {
    if (!ferretdb) {
      t.skip('MongoDB keeps no SQLite WAL');
      return;
    }
    const dataDir =
      process.env['FERRETDB_DATA_DIR'] ?? join(repoRoot(), '.local', 'ferretdb', 'data');
    const wal = join(dataDir, `${DB_NAME}.sqlite-wal`);
    const docs = db.collection<{ _id: string; n: number; pad: string }>('counters');
    await docs.insertMany(
      Array.from({ length: DOCUMENTS }, (_, i) => ({
        _id: `doc-${i}`,
        n: 0,
        pad: 'x'.repeat(200),
      })),
    );

    let next = 0;
    let writing = true;
    const writers = Array.from({ length: WRITERS }, async () => {
      while (next < UPDATES) {
        await docs.updateOne({ _id: `doc-${next++ % DOCUMENTS}` }, { $inc: { n: 1 } });
      }
    });
    const readers = Array.from({ length: READERS }, async (_, r) => {
      for (let i = r; writing; i++) await docs.findOne({ _id: `doc-${i % DOCUMENTS}` });
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(readers);

    const total = await docs
      .aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$n' } } }])
      .next();
    assert.equal(total?.n, UPDATES, 'every update applied once');
    const bytes = statSync(wal).size;
    t.diagnostic(`WAL after ${UPDATES} updates: ${(bytes / 1024 / 1024).toFixed(1)} MB (${wal})`);
    assert.ok(bytes < WAL_LIMIT_BYTES, `the WAL grew to ${bytes} bytes: it did not restart`);
  });
});
