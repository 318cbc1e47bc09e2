import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authConfigFrom, ConfigError, loadConfig } from '@eventshop/service-kit';
import { orderEnv, sweepIntervalFor } from '../../src/config/order-env';

const base = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/orders?directConnection=true',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'https://issuer.test/',
  AUTH_AUDIENCE: 'orders',
};
const SECRET = 's'.repeat(32);

describe('order service configuration', () => {
  it('defaults ORDER_PENDING_TIMEOUT to 15 minutes and reads durations with units', () => {
    assert.equal(loadConfig(orderEnv, { ...base }).ORDER_PENDING_TIMEOUT, 900_000);
    assert.equal(
      loadConfig(orderEnv, { ...base, ORDER_PENDING_TIMEOUT: '90s' }).ORDER_PENDING_TIMEOUT,
      90_000,
    );
  });

  it('refuses a bad timeout and a missing issuer with one line naming the variable', () => {
    assert.throws(
      () => loadConfig(orderEnv, { ...base, ORDER_PENDING_TIMEOUT: 'soon' }),
      /ORDER_PENDING_TIMEOUT/,
    );
    const { AUTH_ISSUER: _, ...noIssuer } = base;
    assert.throws(
      () => loadConfig(orderEnv, noIssuer),
      (e: unknown) => e instanceof ConfigError && /AUTH_ISSUER/.test(e.message),
    );
  });

  it('takes keys from AUTH_JWKS_URL or AUTH_HS256_SECRET, exactly one', () => {
    const jwks = loadConfig(orderEnv, { ...base, AUTH_JWKS_URL: 'https://id.example/jwks.json' });
    assert.deepEqual(authConfigFrom(jwks), {
      issuer: base.AUTH_ISSUER,
      audience: base.AUTH_AUDIENCE,
      jwksUrl: 'https://id.example/jwks.json',
    });
    const secret = loadConfig(orderEnv, { ...base, AUTH_HS256_SECRET: SECRET });
    assert.equal(authConfigFrom(secret).hs256Secret, SECRET);
    assert.throws(() => authConfigFrom(loadConfig(orderEnv, { ...base })), ConfigError);
    assert.throws(
      () =>
        authConfigFrom(
          loadConfig(orderEnv, {
            ...base,
            AUTH_JWKS_URL: 'https://id.example/j',
            AUTH_HS256_SECRET: SECRET,
          }),
        ),
      /set one/,
    );
  });

  it('refuses a short HS256 secret without echoing it', () => {
    const config = loadConfig(orderEnv, { ...base, AUTH_HS256_SECRET: 'short-secret' });
    assert.throws(
      () => authConfigFrom(config),
      (e: unknown) =>
        e instanceof ConfigError &&
        /32 bytes/.test(e.message) &&
        !e.message.includes('short-secret'),
    );
  });

  it('sweeps a few times per timeout, between 100 ms and 30 s', () => {
    assert.equal(sweepIntervalFor(900_000), 30_000);
    assert.equal(sweepIntervalFor(1_000), 250);
    assert.equal(sweepIntervalFor(100), 100);
  });
});
