import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateOpenApiDocument,
  OPENAPI_FILE,
  serializeOpenApi,
} from '../support/openapi-document';

describe('OpenAPI document', () => {
  it('the committed openapi.json matches the controllers (run `npm run openapi` if not)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', OPENAPI_FILE), 'utf8');
    const current = serializeOpenApi(await generateOpenApiDocument());
    assert.deepEqual(JSON.parse(committed), JSON.parse(current));
  });

  it('documents every admin route with bearer auth and problem+json errors', async () => {
    const document = await generateOpenApiDocument();
    const paths = document.paths;
    assert.deepEqual(Object.keys(paths).sort(), [
      '/products',
      '/products/{sku}',
      '/products/{sku}/stock-adjustments',
    ]);
    assert.ok(paths['/products/{sku}']?.put);
    assert.ok(paths['/products/{sku}/stock-adjustments']?.get, 'audit trail');
    assert.ok(paths['/products/{sku}']?.get);
    const adjust = paths['/products/{sku}/stock-adjustments']?.post;
    assert.ok(adjust?.responses['409'], 'write-off below free stock is documented');
    assert.ok(
      JSON.stringify(adjust?.responses['409']).includes('application/problem+json'),
      'errors are problem+json',
    );
    assert.ok(document.components?.securitySchemes?.['bearer']);
  });
});
