// Idempotency-Key: same key and body → the same order; same key, other body → 422; keys are per
// user, expire after 24 h (checked on read) and are removed by the sweeper.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requestFingerprint } from '../../src/domain/idempotency';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sweepers } from '../../src/orders/sweepers';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, type TestApp } from '../support/order-app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let broker: Broker;
  before(async () => {
    t = await startOrderApp('order-http-idempotency');
    broker = await connectBroker(t.scope.env.AMQP_URL);
    await t.seedCatalog([
      { sku: 'MUG-1', priceMinor: 1250 },
      { sku: 'TEE-M', priceMinor: 1999 },
    ]);
  });
  after(async () => {
    await broker?.close();
    await t?.close();
  });

  const post = (key: string, body: unknown, user = 'alice') =>
    t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: user },
      body,
      headers: { 'idempotency-key': key },
    });
  const body = { items: [{ sku: 'MUG-1', quantity: 2 }] };

  it('the same key and body return the same order, stored once', async () => {
    const key = randomUUID();
    const first = await post(key, body);
    const second = await post(key, structuredClone(body));
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 201);
    assert.equal(json(second)['id'], json(first)['id']);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(await t.orders.countDocuments({ _id: json(first)['id'] as string }), 1);
    assert.equal(await t.orders.countDocuments({ userId: 'alice' }), 1);
    const id = json(first)['id'] as string;
    await broker.waitForEvents('order.created.v1', id);
    await sleep(300);
    const created = broker.captured().filter((e) => e.subject === id);
    assert.equal(created.length, 1, 'one order.created.v1, not two');
  });

  it('the same key with another body → 422 and no new order', async () => {
    const key = randomUUID();
    const before = await t.orders.countDocuments({});
    assert.equal((await post(key, body)).statusCode, 201);
    const other = await post(key, { items: [{ sku: 'MUG-1', quantity: 3 }] });
    assert.equal(other.statusCode, 422);
    assert.match(String(other.headers['content-type']), /^application\/problem\+json/);
    assert.match(json(other)['type'] as string, /idempotency-key-reused/);
    assert.equal(await t.orders.countDocuments({}), before + 1);
  });

  it('keys are per user: the same key from two users makes two orders', async () => {
    const key = randomUUID();
    const a = await post(key, body, 'user-a');
    const b = await post(key, body, 'user-b');
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 201);
    assert.notEqual(json(a)['id'], json(b)['id']);
  });

  it('ten concurrent requests with one key make one order', async () => {
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => post(key, body, 'racer')));
    assert.deepEqual(
      results.map((r) => r.statusCode),
      Array(10).fill(201),
    );
    assert.equal(new Set(results.map((r) => json(r)['id'])).size, 1);
    assert.equal(await t.orders.countDocuments({ userId: 'racer' }), 1);
  });

  it('a refused request does not take the key', async () => {
    const key = randomUUID();
    const refused = await post(key, { items: [{ sku: 'NOPE-1', quantity: 1 }] });
    assert.equal(refused.statusCode, 422);
    const ok = await post(key, body);
    assert.equal(ok.statusCode, 201, 'the key is still free for a request that succeeds');
  });

  it('an expired key counts as unused, and the sweeper removes expired keys', async () => {
    const key = randomUUID();
    const first = json(await post(key, body, 'expiring'))['id'];
    await t.keys.updateOne(
      { _id: `expiring:${key}` },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const second = await post(key, { items: [{ sku: 'TEE-M', quantity: 1 }] }, 'expiring');
    assert.equal(second.statusCode, 201, 'another body is fine once the key expired');
    assert.notEqual(json(second)['id'], first);
    const record = await t.keys
      .findOne({ _id: `expiring:${key}` })
      .lean()
      .exec();
    assert.ok(
      record && record.expiresAt.getTime() > Date.now() + 23 * 3600 * 1000,
      'a fresh 24 h key',
    );

    const stale = `stale-${randomUUID()}`;
    assert.equal((await post(stale, body, 'expiring')).statusCode, 201);
    await t.keys.updateOne(
      { _id: `expiring:${stale}` },
      { $set: { expiresAt: new Date(Date.now() - 1) } },
    );
    await t.app.get(Sweepers).sweepOnce();
    assert.equal(await t.keys.countDocuments({ _id: `expiring:${stale}` }), 0);
    assert.equal(await t.keys.countDocuments({ _id: `expiring:${key}` }), 1, 'live keys stay');
  });

  it('a key whose order was never stored (crash between the two writes) still yields one order', async () => {
    const key = randomUUID();
    const orderId = randomUUID();
    await t.keys.collection.insertOne({
      _id: `crashy:${key}`,
      userId: 'crashy',
      fingerprint: requestFingerprint(body.items),
      orderId,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    } as never);
    const res = await post(key, body, 'crashy');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(json(res)['id'], orderId);
    assert.equal((await post(key, body, 'crashy')).statusCode, 201);
    assert.equal(await t.orders.countDocuments({ userId: 'crashy' }), 1);
  });
});
