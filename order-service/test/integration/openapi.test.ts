// The committed openapi.json must be what the code generates. Regenerate with `npm run openapi`.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildOpenApiDocument } from '../../src/http/configure-http';
import { json, startOrderApp, type TestApp } from '../support/order-app';

const FILE = resolve(__dirname, '../../../openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;
  before(async () => {
    t = await startOrderApp('order-openapi');
  });
  after(async () => t?.close());

  it('openapi.json is up to date with the code', () => {
    const generated = `${JSON.stringify(buildOpenApiDocument(t.app), null, 2)}\n`;
    if (process.env['UPDATE_OPENAPI'] === '1') writeFileSync(FILE, generated);
    const committed = readFileSync(FILE, 'utf8');
    assert.equal(
      committed,
      generated,
      'openapi.json is stale: run `npm run openapi` and commit it',
    );
  });

  it('documents every route, the problem+json errors and the bearer scheme', () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8')) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    for (const path of ['/orders', '/orders/{id}', '/orders/{id}/cancel', '/health/ready']) {
      assert.ok(doc.paths[path], path);
    }
    assert.deepEqual(Object.keys(doc.paths['/orders'] ?? {}).sort(), ['get', 'post']);
    const post = doc.paths['/orders']?.['post'];
    assert.ok(post?.responses['201']);
    assert.ok(post?.responses['422']?.content?.['application/problem+json']);
    assert.ok(doc.components.securitySchemes['bearer']);
    assert.ok(doc.components.schemas['ProblemDto']);
  });

  it('is served at /docs (UI) and /docs/json', async () => {
    const ui = await t.request({ method: 'GET', url: '/docs', user: null });
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /text\/html/);
    const served = await t.request({ method: 'GET', url: '/docs/json', user: null });
    assert.equal(served.statusCode, 200);
    assert.deepEqual(json(served)['paths'], JSON.parse(readFileSync(FILE, 'utf8')).paths);
  });
});
