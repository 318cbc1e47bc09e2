// The HTTP server believes X-Forwarded-* only from the proxies in TRUSTED_PROXIES.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServiceApp } from '../../src';
import type { TestScope } from '../../src/testing';
import { exampleModule } from '../example/example.module';
import { baseEnv, fileScope } from '../helpers';

describe('TRUSTED_PROXIES', () => {
  let scope: TestScope;

  before(async () => {
    scope = await fileScope('kit-trusted-proxies');
  });

  after(async () => {
    await scope?.dispose();
  });

  /** What the app makes of one request from 127.0.0.1 that claims another client address. */
  async function seenAs(trusted: string): Promise<{ ip: string; protocol: string }> {
    let seen: { ip: string; protocol: string } | undefined;
    const app = await createServiceApp(exampleModule(), {
      env: baseEnv(scope, { TRUSTED_PROXIES: trusted }),
      configure: (a) => {
        a.getHttpAdapter()
          .getInstance()
          .addHook('onRequest', async (request: { ip: string; protocol: string }) => {
            seen = { ip: request.ip, protocol: request.protocol };
          });
      },
    });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/health/live',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
      });
      assert.equal(res.statusCode, 200);
    } finally {
      await app.close();
    }
    assert.ok(seen);
    return seen;
  }

  it('unset: the forwarded headers are ignored', async () => {
    assert.deepEqual(await seenAs(''), { ip: '127.0.0.1', protocol: 'http' });
  });

  it('a listed proxy: its forwarded client address and protocol are used', async () => {
    assert.deepEqual(await seenAs('10.0.0.0/8,127.0.0.1'), {
      ip: '203.0.113.7',
      protocol: 'https',
    });
  });

  it('a request from an unlisted address: the headers are ignored', async () => {
    assert.deepEqual(await seenAs('10.0.0.0/8'), { ip: '127.0.0.1', protocol: 'http' });
  });
});
