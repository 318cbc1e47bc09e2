import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, validateAuthEnv } from '@eventshop/service-kit';
import { inventoryEnv, watchedSkus } from '../../src/config/inventory-env';

const base = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/inventory?directConnection=true',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'https://id.example/',
  AUTH_AUDIENCE: 'inventory',
};
const SECRET = 'a-local-secret-of-at-least-32-bytes!';

describe('configuration rules', () => {
  it('needs exactly one source of token keys (the kit rule, on this service schema)', () => {
    validateAuthEnv(loadConfig(inventoryEnv, { ...base, AUTH_HS256_SECRET: SECRET }));
    validateAuthEnv(
      loadConfig(inventoryEnv, { ...base, AUTH_JWKS_URL: 'https://id.example/jwks' }),
    );
    assert.throws(
      () => validateAuthEnv(loadConfig(inventoryEnv, { ...base })),
      (e: unknown) =>
        e instanceof ConfigError && /AUTH_JWKS_URL or AUTH_HS256_SECRET/.test(e.message),
    );
    assert.throws(
      () =>
        validateAuthEnv(
          loadConfig(inventoryEnv, {
            ...base,
            AUTH_HS256_SECRET: SECRET,
            AUTH_JWKS_URL: 'https://id.example/jwks',
          }),
        ),
      /set one/,
    );
  });

  it('reads WATCHED_SKUS as a list and refuses a malformed one', () => {
    const config = loadConfig(inventoryEnv, {
      ...base,
      AUTH_HS256_SECRET: SECRET,
      WATCHED_SKUS: 'A-1,B2',
    });
    assert.deepEqual(watchedSkus(config), ['A-1', 'B2']);
    assert.throws(() => loadConfig(inventoryEnv, { ...base, WATCHED_SKUS: 'a b' }), /WATCHED_SKUS/);
  });
});
