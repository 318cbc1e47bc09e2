import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { validateEvent } from '@eventshop/events-contracts';
import { AdjustmentReconciler } from '../../src/catalog/adjustment-reconciler';
import {
  eventually,
  startInventory,
  tokenFor,
  type HttpResult,
  type InventoryUnderTest,
} from '../support/harness';

let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-admin-api');
});
after(async () => {
  await inventory?.stop();
});

const newSku = (name = 'MUG') => `${name}-${randomUUID().slice(0, 8).toUpperCase()}`;
const mug = { name: 'Blue mug', priceMinor: 1299, currency: 'EUR', active: true };

function productUpdates(sku: string) {
  return inventory.outcomes.filter(
    (e) => e.type === 'inventory.product-updated.v1' && e.subject === sku,
  );
}

function assertProblem(response: HttpResult, status: number) {
  assert.equal(response.status, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json.status, status);
  assert.match(response.json.type, /^urn:eventshop:problem:/);
  assert.equal(typeof response.json.title, 'string');
}

describe('PUT /products/:sku', () => {
  it('creates at version 1, bumps on change, ignores an identical PUT; each change is one event', async () => {
    const sku = newSku();
    const created = await inventory.http('PUT', `/products/${sku}`, { body: mug });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json, {
      sku,
      ...mug,
      version: 1,
      onHand: 0,
      reserved: 0,
      available: 0,
    });

    const same = await inventory.http('PUT', `/products/${sku}`, { body: mug });
    assert.equal(same.status, 200);
    assert.equal(same.json.version, 1);

    const changed = await inventory.http('PUT', `/products/${sku}`, {
      body: { ...mug, priceMinor: 1499 },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.version, 2);

    const events = await eventually('two product updates', () => {
      const seen = productUpdates(sku);
      return seen.length >= 2 ? seen : undefined;
    });
    assert.deepEqual(
      events.map((e) => e.data),
      [
        { sku, ...mug, version: 1 },
        { sku, ...mug, priceMinor: 1499, version: 2 },
      ],
    );
    for (const event of events) {
      assert.equal(validateEvent(event).ok, true);
      assert.equal(event.source, '/inventory-service');
    }
    const doc = await eventually('outbox drained', async () => {
      const d = await inventory.products.findById(sku).lean();
      return d && d.outbox.length === 0 ? d : undefined;
    });
    assert.equal(doc.version, 2);
  });

  it('refuses invalid bodies and SKUs with 400 naming each field', async () => {
    const bad = await inventory.http('PUT', `/products/${newSku()}`, {
      body: { name: '', priceMinor: -1, currency: 'eur', active: 'yes', extra: 1 },
    });
    assertProblem(bad, 400);
    const paths = bad.json.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['/active', '/extra']);
    const values = await inventory.http('PUT', `/products/${newSku()}`, {
      body: { name: ' ', priceMinor: 1.5, currency: 'eur', active: true },
    });
    assertProblem(values, 400);
    assert.deepEqual(values.json.errors.map((e: { path: string }) => e.path).sort(), [
      '/currency',
      '/name',
      '/priceMinor',
    ]);
    assertProblem(await inventory.http('PUT', '/products/lower-case', { body: mug }), 400);
    assertProblem(await inventory.http('PUT', `/products/${newSku()}`, { body: [1, 2] }), 400);
  });

  it('needs a valid token for everything and the admin role for writes', async () => {
    const sku = newSku();
    assertProblem(await inventory.http('PUT', `/products/${sku}`, { body: mug, token: null }), 401);
    const customer = await tokenFor('user-9', ['customer']);
    assertProblem(
      await inventory.http('PUT', `/products/${sku}`, { body: mug, token: customer }),
      403,
    );
    assertProblem(
      await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
        body: { delta: 1, reason: 'x' },
        token: customer,
      }),
      403,
    );
    const expired = await tokenFor('admin-1', ['admin'], {
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    assertProblem(await inventory.http('GET', '/products', { token: expired }), 401);
    const wrongAudience = await tokenFor('admin-1', ['admin'], { audience: 'someone-else' });
    assertProblem(await inventory.http('GET', '/products', { token: wrongAudience }), 401);
    const forged = await tokenFor('admin-1', ['admin'], {
      secret: 'not-the-secret-0123456789abcdefghij',
    });
    assertProblem(
      await inventory.http('PUT', `/products/${sku}`, { body: mug, token: forged }),
      401,
    );
    // a customer may read
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const read = await inventory.http('GET', `/products/${sku}`, { token: customer });
    assert.equal(read.status, 200);
    assert.equal(read.json.sku, sku);
  });
});

describe('stock adjustments', () => {
  it('restock and write-off move on hand; a write-off never takes reserved units; all audited', async () => {
    const sku = newSku();
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const restock = await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: 10, reason: 'delivery' },
    });
    assert.equal(restock.status, 201);
    assert.deepEqual(
      { onHand: restock.json.product.onHand, available: restock.json.product.available },
      { onHand: 10, available: 10 },
    );
    // 4 units reserved by an order (held directly: the reservation path is tested elsewhere)
    await inventory.products.updateOne(
      { _id: sku },
      {
        $inc: { reserved: 4, available: -4 },
        $push: { holds: { orderId: randomUUID(), quantity: 4 } },
      },
    );
    const tooMuch = await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: -7, reason: 'damaged' },
    });
    assertProblem(tooMuch, 409);
    assert.equal(tooMuch.json.available, 6);
    const writeOff = await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: -6, reason: 'damaged' },
    });
    assert.equal(writeOff.status, 201);
    assert.deepEqual(
      (({ onHand, reserved, available }) => ({ onHand, reserved, available }))(
        writeOff.json.product,
      ),
      { onHand: 4, reserved: 4, available: 0 },
    );
    const trail = await inventory.adjustments.find({ sku }).sort({ createdAt: 1 }).lean();
    assert.deepEqual(
      trail.map((a) => [a.delta, a.reason, a.actor, a.status, a.onHandAfter]),
      [
        [10, 'delivery', 'admin-1', 'applied', 10],
        [-6, 'damaged', 'admin-1', 'applied', 4],
      ],
    );
    const product = await inventory.products.findById(sku).lean();
    assert.deepEqual(product?.pendingAdjustments, [], 'markers cleared');

    const api = await inventory.http('GET', `/products/${sku}/stock-adjustments`);
    assert.equal(api.status, 200);
    assert.deepEqual(
      api.json.items.map((a: { delta: number; status: string }) => [a.delta, a.status]),
      [
        [-6, 'applied'],
        [10, 'applied'],
      ],
      'newest first; a write-off refused up front changed nothing and is not an adjustment',
    );
    const customer = await tokenFor('user-9', ['customer']);
    assertProblem(
      await inventory.http('GET', `/products/${sku}/stock-adjustments`, { token: customer }),
      403,
    );
  });

  it('a sweep finishes adjustments a crash interrupted, by the marker on the product', async () => {
    const sku = newSku();
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const old = new Date(Date.now() - 5 * 60_000);
    const entry = (id: string, delta: number) => ({
      _id: id,
      sku,
      delta,
      reason: 'crash',
      actor: 'admin-1',
      status: 'pending' as const,
      createdAt: old,
    });
    const [applied, never, completed] = [randomUUID(), randomUUID(), randomUUID()];
    // crashed after the product changed: marker present, entry pending
    await inventory.adjustments.create(entry(applied, 3));
    await inventory.products.updateOne(
      { _id: sku },
      { $inc: { onHand: 3, available: 3 }, $push: { pendingAdjustments: applied } },
    );
    // crashed before the product changed: no marker, entry pending
    await inventory.adjustments.create(entry(never, 7));
    // crashed after the entry was completed: marker left behind
    await inventory.adjustments.create({ ...entry(completed, 1), status: 'applied' as const });
    await inventory.products.updateOne(
      { _id: sku },
      { $inc: { onHand: 1, available: 1 }, $push: { pendingAdjustments: completed } },
    );
    // a fresh pending entry is a request still running: left alone
    const running = randomUUID();
    await inventory.adjustments.create({ ...entry(running, 2), createdAt: new Date() });

    const done = await inventory.app.get(AdjustmentReconciler).reconcile();
    assert.deepEqual(done, { applied: 1, refused: 1, cleared: 1 });
    const status = async (id: string) => (await inventory.adjustments.findById(id).lean())?.status;
    assert.equal(await status(applied), 'applied');
    assert.equal(await status(never), 'refused');
    assert.equal(await status(running), 'pending');
    const product = await inventory.products.findById(sku).lean();
    assert.deepEqual(product?.pendingAdjustments, []);
    assert.deepEqual([product?.onHand, product?.available], [4, 4]);
    assert.deepEqual(await inventory.app.get(AdjustmentReconciler).reconcile(), {
      applied: 0,
      refused: 0,
      cleared: 0,
    });
  });

  it('refuses unknown products (404) and bad bodies (400)', async () => {
    assertProblem(
      await inventory.http('POST', `/products/${newSku('NONE')}/stock-adjustments`, {
        body: { delta: 1, reason: 'x' },
      }),
      404,
    );
    const sku = newSku();
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const bad = await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: 0, reason: '' },
    });
    assertProblem(bad, 400);
    assert.deepEqual(bad.json.errors.map((e: { path: string }) => e.path).sort(), [
      '/delta',
      '/reason',
    ]);
  });

  it('many concurrent write-offs never take more than is free', async () => {
    const sku = newSku();
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: 5, reason: 'in' },
    });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        inventory.http('POST', `/products/${sku}/stock-adjustments`, {
          body: { delta: -1, reason: 'out' },
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 5);
    assert.equal(results.filter((r) => r.status === 409).length, 7);
    const doc = await inventory.products.findById(sku).lean();
    assert.deepEqual([doc?.onHand, doc?.available], [0, 0]);
  });
});

describe('reads', () => {
  it('GET /products/:sku shows price and stock; unknown → 404', async () => {
    const sku = newSku();
    await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const read = await inventory.http('GET', `/products/${sku}`);
    assert.deepEqual(read.json, { sku, ...mug, version: 1, onHand: 0, reserved: 0, available: 0 });
    assertProblem(await inventory.http('GET', `/products/${newSku('NONE')}`), 404);
  });

  it('GET /products pages through every product in SKU order', async () => {
    const prefix = `PAGE${randomUUID().slice(0, 6).toUpperCase()}`;
    const skus = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
    for (const sku of skus) await inventory.http('PUT', `/products/${sku}`, { body: mug });
    const seen: string[] = [];
    let after: string | undefined = `${prefix}-`.slice(0, -1);
    for (let guard = 0; guard < 100; guard += 1) {
      const page = await inventory.http(
        'GET',
        `/products?limit=2${after ? `&after=${after}` : ''}`,
      );
      assert.equal(page.status, 200);
      assert.ok(page.json.items.length <= 2);
      seen.push(...page.json.items.map((p: { sku: string }) => p.sku));
      after = page.json.nextAfter;
      if (!after) break;
    }
    assert.deepEqual(
      seen.filter((s) => s.startsWith(prefix)),
      skus,
    );
    assertProblem(await inventory.http('GET', '/products?limit=0'), 400);
    assertProblem(await inventory.http('GET', '/products?limit=101'), 400);
  });

  it('serves the OpenAPI document at /docs/json', async () => {
    const docs = await inventory.http('GET', '/docs/json', { token: null });
    assert.equal(docs.status, 200);
    assert.ok(docs.json.paths['/products/{sku}/stock-adjustments']);
  });
});
