// Authentication with real JWTs (HS256 here; JWKS in production), and 404-not-403 for orders of
// other users.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startOrderApp, type TestApp } from '../support/order-app';

describe('HTTP authentication and ownership', () => {
  let t: TestApp;
  let aliceOrderId: string;

  before(async () => {
    t = await startOrderApp('order-http-auth');
    await t.seedCatalog([{ sku: 'MUG-1', priceMinor: 1250 }]);
    const res = await t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: 'alice' },
      body: { items: [{ sku: 'MUG-1', quantity: 1 }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    aliceOrderId = json<{ id: string }>(res).id;
  });
  after(async () => t?.close());

  function assertUnauthorized(
    res: { statusCode: number; headers: Record<string, unknown>; body: string },
    detail: RegExp,
  ) {
    assert.equal(res.statusCode, 401, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    const problem = JSON.parse(res.body) as { status: number; detail: string; type: string };
    assert.equal(problem.status, 401);
    assert.match(problem.detail, detail);
  }

  it('a valid token reads its own order', async () => {
    const res = await t.request({
      method: 'GET',
      url: `/orders/${aliceOrderId}`,
      user: { sub: 'alice' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(json(res)['id'], aliceOrderId);
  });

  it('no token → 401', async () => {
    assertUnauthorized(
      await t.request({ method: 'GET', url: '/orders', user: null }),
      /Bearer token is required/,
    );
  });

  it('a malformed Authorization header → 401', async () => {
    for (const authorization of [
      'Basic YWxpY2U6eA==',
      'Bearer',
      'Bearer a b c',
      'Bearer not.a.jwt',
    ]) {
      const res = await t.request({
        method: 'GET',
        url: '/orders',
        user: null,
        headers: { authorization },
      });
      assert.equal(res.statusCode, 401, `${authorization}: ${res.body}`);
    }
  });

  it('an expired token → 401', async () => {
    assertUnauthorized(
      await t.request({ method: 'GET', url: '/orders', user: { expiresIn: -60 } }),
      /expired/,
    );
  });

  it('a token for another audience → 401', async () => {
    assertUnauthorized(
      await t.request({ method: 'GET', url: '/orders', user: { audience: 'inventory-admin' } }),
      /"aud"/,
    );
  });

  it('a token from another issuer → 401', async () => {
    assertUnauthorized(
      await t.request({ method: 'GET', url: '/orders', user: { issuer: 'https://evil.example/' } }),
      /"iss"/,
    );
  });

  it('a token signed with another key → 401', async () => {
    assertUnauthorized(
      await t.request({
        method: 'GET',
        url: '/orders',
        user: { secret: 'another-secret-of-at-least-thirty-two-bytes' },
      }),
      /signature/,
    );
  });

  it("another user's order is 404, exactly like an order that does not exist", async () => {
    const foreign = await t.request({
      method: 'GET',
      url: `/orders/${aliceOrderId}`,
      user: { sub: 'bob' },
    });
    const missing = await t.request({
      method: 'GET',
      url: '/orders/00000000-0000-4000-8000-000000000000',
      user: { sub: 'bob' },
    });
    assert.equal(foreign.statusCode, 404);
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(Object.keys(json(foreign)).sort(), Object.keys(json(missing)).sort());
    assert.equal(json(foreign)['type'], json(missing)['type']);
  });

  it('another user cannot cancel the order (404) and it stays PENDING', async () => {
    const res = await t.request({
      method: 'POST',
      url: `/orders/${aliceOrderId}/cancel`,
      user: { sub: 'bob' },
    });
    assert.equal(res.statusCode, 404);
    const mine = await t.request({
      method: 'GET',
      url: `/orders/${aliceOrderId}`,
      user: { sub: 'alice' },
    });
    assert.equal(json(mine)['status'], 'PENDING');
  });

  it("an admin may read another user's order but not cancel it", async () => {
    const read = await t.request({
      method: 'GET',
      url: `/orders/${aliceOrderId}`,
      user: { sub: 'carol', roles: ['admin'] },
    });
    assert.equal(read.statusCode, 200);
    const cancel = await t.request({
      method: 'POST',
      url: `/orders/${aliceOrderId}/cancel`,
      user: { sub: 'carol', roles: ['admin'] },
    });
    assert.equal(cancel.statusCode, 404);
  });

  it("another user's listing does not include the order", async () => {
    const res = await t.request({ method: 'GET', url: '/orders', user: { sub: 'bob' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res)['items'], []);
  });

  it('a token without an e-mail may read but not order (403)', async () => {
    const list = await t.request({
      method: 'GET',
      url: '/orders',
      user: { sub: 'dave', email: null },
    });
    assert.equal(list.statusCode, 200);
    const create = await t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: 'dave', email: null },
      body: { items: [{ sku: 'MUG-1', quantity: 1 }] },
    });
    assert.equal(create.statusCode, 403, create.body);
    assert.match(String(create.headers['content-type']), /^application\/problem\+json/);
  });
});
