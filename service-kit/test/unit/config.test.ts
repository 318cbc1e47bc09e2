import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, env, formatDuration, loadConfig, parseDuration } from '../../src';

const valid = {
  MONGODB_URI: 'mongodb://u:p@127.0.0.1:27017/db?directConnection=true',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('the base schema has defaults for everything but the two URLs', () => {
  const c = loadConfig({}, valid);
  assert.equal(c.PORT, 3000);
  assert.equal(c.LOG_LEVEL, 'info');
  assert.equal(c.SHUTDOWN_GRACE_MS, 10_000);
  assert.deepEqual(c.RETRY_DELAYS, [1_000, 10_000, 60_000, 300_000]);
  assert.equal(c.CONSUMER_PREFETCH, 20);
  assert.equal(c.MONGODB_WATCHDOG_INTERVAL_MS, 5_000);
  assert.deepEqual(c.TRUSTED_PROXIES, []);
  assert.ok(Object.isFrozen(c));
});

test('TRUSTED_PROXIES lists IP addresses and CIDR ranges; anything else stops the start', () => {
  const list = ' 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8 ';
  assert.deepEqual(loadConfig({}, { ...valid, TRUSTED_PROXIES: list }).TRUSTED_PROXIES, [
    '10.0.0.0/8',
    '127.0.0.1',
    '::1',
    'fd00::/8',
  ]);
  for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/8/1', '*', '::1/129']) {
    const e = error(() => loadConfig({}, { ...valid, TRUSTED_PROXIES: bad }));
    assert.equal(e.variable, 'TRUSTED_PROXIES', bad);
    assert.match(e.message, /IP addresses or CIDR ranges/);
  }
});

test('a missing or bad variable is one line naming it and the problem', () => {
  assert.equal(
    error(() => loadConfig({}, { AMQP_URL: valid.AMQP_URL })).message,
    'config: MONGODB_URI is required but not set',
  );
  assert.equal(
    error(() => loadConfig({}, { ...valid, AMQP_URL: 'http://x' })).message,
    'config: AMQP_URL must use amqp:// or amqps://',
  );
  assert.equal(
    error(() => loadConfig({}, { ...valid, PORT: '70000' })).message,
    'config: PORT must be <= 65535',
  );
  assert.equal(
    error(() => loadConfig({}, { ...valid, LOG_LEVEL: 'loud' })).message,
    'config: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  );
  const e = error(() => loadConfig({}, { ...valid, RETRY_DELAYS: '1s,,soon' }));
  assert.equal(e.variable, 'RETRY_DELAYS');
  assert.ok(!e.message.includes('\n'));
});

test('a secret value is never echoed in the message', () => {
  const schema = { API_KEY: env.int({ secret: true }) };
  const e = error(() => loadConfig(schema, { ...valid, API_KEY: 'hunter2-secret' }));
  assert.ok(!e.message.includes('hunter2'), e.message);
  const u = error(() => loadConfig({}, { ...valid, MONGODB_URI: 'p@ssw0rd-not-a-url' }));
  assert.ok(!u.message.includes('p@ssw0rd'), u.message);
});

test('service variables are typed, defaulted and optional', () => {
  const schema = {
    ORDER_PENDING_TIMEOUT: env.duration({ default: '15m' }),
    AUTH_JWKS_URL: env.url({ optional: true }),
    FEATURE: env.bool({ default: false }),
    MODE: env.oneOf(['a', 'b'] as const, { default: 'a' }),
    NAME: env.str({ pattern: /^[a-z]+$/ }),
  };
  const c = loadConfig(schema, { ...valid, NAME: 'shop', FEATURE: 'yes' });
  assert.equal(c.ORDER_PENDING_TIMEOUT, 900_000);
  assert.equal(c.AUTH_JWKS_URL, undefined);
  assert.equal(c.FEATURE, true);
  assert.equal(c.MODE, 'a');
  assert.equal(c.NAME, 'shop');
  assert.match(
    error(() => loadConfig(schema, { ...valid, NAME: 'Shop!' })).message,
    /^config: NAME must match/,
  );
  assert.equal(
    error(() => loadConfig(schema, valid)).message,
    'config: NAME is required but not set',
  );
});

test('durations parse and format both ways', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('42'), 42);
  assert.throws(() => parseDuration('5 minutes'));
  assert.deepEqual([200, 1_000, 10_000, 60_000, 300_000, 3_600_000].map(formatDuration), [
    '200ms',
    '1s',
    '10s',
    '1m',
    '5m',
    '1h',
  ]);
  assert.equal(formatDuration(1_500), '1500ms');
});
