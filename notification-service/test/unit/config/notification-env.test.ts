import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { authConfigFrom, ConfigError, loadConfig } from '@eventshop/service-kit';

import { leaseWarning, notificationEnv } from '../../../src/config/notification-env';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/notifications',
  AMQP_URL: 'amqp://127.0.0.1:5672',
  SMTP_URL: 'smtp://127.0.0.1:1025',
  MAIL_FROM: 'EventShop <orders@example.com>',
  AUTH_ISSUER: 'https://auth.example.com',
  AUTH_AUDIENCE: 'eventshop',
  AUTH_HS256_SECRET: 'a-development-secret-of-32-bytes!',
};

describe('notification-service configuration', () => {
  it('reads a valid env with its defaults', () => {
    const config = loadConfig(notificationEnv, valid);
    assert.equal(config.NOTIFICATION_SEND_LEASE, 60_000);
    assert.deepEqual(authConfigFrom(config), {
      issuer: 'https://auth.example.com',
      audience: 'eventshop',
      hs256Secret: 'a-development-secret-of-32-bytes!',
    });
  });

  it('needs a JWKS URL or an HS256 secret', () => {
    const config = loadConfig(notificationEnv, { ...valid, AUTH_HS256_SECRET: undefined });
    assert.throws(() => authConfigFrom(config), ConfigError);
    const jwks = loadConfig(notificationEnv, {
      ...valid,
      AUTH_HS256_SECRET: undefined,
      AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
    });
    assert.equal(authConfigFrom(jwks).jwksUrl, 'https://auth.example.com/.well-known/jwks.json');
  });

  it('refuses an SMTP URL of another scheme, a sender without address and a line break', () => {
    for (const bad of [
      { SMTP_URL: 'http://127.0.0.1:1025' },
      { SMTP_URL: undefined },
      { MAIL_FROM: 'EventShop' },
      { MAIL_FROM: 'orders@example.com\r\nBcc: x@example.com' },
      { NOTIFICATION_SEND_LEASE: '10ms' },
    ]) {
      assert.throws(
        () => loadConfig(notificationEnv, { ...valid, ...bad }),
        ConfigError,
        JSON.stringify(bad),
      );
    }
  });

  it('keeps SMTP credentials out of its error messages', () => {
    try {
      loadConfig(notificationEnv, { ...valid, SMTP_URL: 'ftp://user:hunter2@mail.example.com' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.ok(!error.message.includes('hunter2'), error.message);
    }
  });

  it('warns when the send lease outlasts every retry tier', () => {
    assert.equal(leaseWarning(loadConfig(notificationEnv, valid)), undefined);
    const short = loadConfig(notificationEnv, { ...valid, RETRY_DELAYS: '100ms,200ms' });
    assert.match(leaseWarning(short) ?? '', /NOTIFICATION_SEND_LEASE \(60000ms\).*300ms/);
  });
});
