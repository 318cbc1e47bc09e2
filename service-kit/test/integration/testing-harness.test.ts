// The harness other packages use: isolation per scope, and the one-line failure without infra.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import mongoose from 'mongoose';
import { testInfra } from '../../src/testing';

const run = promisify(execFile);

test('a scope has its own vhost and database; dispose deletes the vhost and keeps the data', async () => {
  const infra = await testInfra();
  const a = await infra.scope('harness a');
  const b = await infra.scope('harness a');
  assert.notEqual(a.vhost, b.vhost);
  assert.notEqual(a.database, b.database);
  assert.match(a.env.MONGODB_URI, new RegExp(`/${a.database}\\?`), 'keeps the query');
  assert.equal(
    new URL(a.env.MONGODB_URI).search,
    new URL(infra.mongoUri).search,
    'the same query as the URI it was made from',
  );

  const conn = await amqp.connect(a.env.AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertQueue('only-in-a');
  await conn.close();
  const other = await amqp.connect(b.env.AMQP_URL);
  const och = await other.createChannel();
  och.on('error', () => undefined);
  await assert.rejects(och.checkQueue('only-in-a'), /NOT_FOUND/);
  await other.close().catch(() => undefined);

  const db = await mongoose.createConnection(a.env.MONGODB_URI).asPromise();
  await db.collection('things').insertOne({ _id: 'x' } as never);
  await db.close();
  const inB = await mongoose.createConnection(b.env.MONGODB_URI).asPromise();
  assert.equal(await inB.collection('things').countDocuments(), 0, "b does not see a's data");
  await inB.close();
  await a.dispose();
  await b.dispose();
  await assert.rejects(amqp.connect(a.env.AMQP_URL)); // the vhost is gone
  // The database is kept (FerretDB 1.24 once crashed while many drops ran in parallel).
  const check = await mongoose.createConnection(a.env.MONGODB_URI).asPromise();
  assert.equal(await check.collection('things').countDocuments(), 1);
  await check.close();
});

test('without URLs and without a container engine it fails with one line saying how', async () => {
  const script = `
    const { testInfra } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'testing'))});
    testInfra().then(() => { console.log('unexpected'); process.exit(3); },
      (e) => { console.error(e.message); process.exit(1); });`;
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  delete env.AMQP_URL;
  delete env.MONGODB_URI;
  const result = await run(process.execPath, ['-e', script], { env }).then(
    () => assert.fail('should fail'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /set AMQP_URL and MONGODB_URI/);
  assert.match(lines[0]!, /DOCKER_HOST/);
});
