// The service as it ships: `node main.js` with env only. It becomes ready, and SIGTERM stops
// it with exit code 0; a bad variable stops it at once with one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testInfra, waitFor, type TestScope } from '@eventshop/service-kit/testing';
import { orderEnvFor } from '../support/order-app';

const MAIN = resolve(__dirname, '../../src/main.js');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('node main.js', () => {
  let scope: TestScope;
  before(async () => {
    scope = await (await testInfra()).scope('order-main-process');
  });
  after(async () => scope?.dispose());

  it('starts, is ready, logs JSON lines, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const p = run({ ...orderEnvFor(scope), PORT: String(port), LOG_LEVEL: 'info' });
    try {
      await waitFor(
        'ready',
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
          return res?.status === 200;
        },
        30_000,
        200,
      );
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      assert.equal(live.status, 200);
      const unauth = await fetch(`http://127.0.0.1:${port}/orders`);
      assert.equal(unauth.status, 401);
      assert.match(unauth.headers.get('content-type') ?? '', /^application\/problem\+json/);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.err());
    const lines = p.out().trim().split('\n').filter(Boolean);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  it('a bad variable stops it with exit 1 and one line naming it', async () => {
    const p = run({ ...orderEnvFor(scope), ORDER_PENDING_TIMEOUT: 'soon' });
    assert.equal(await p.exited, 1);
    const lines = p.err().trim().split('\n');
    assert.equal(lines.length, 1, p.err());
    assert.match(lines[0] ?? '', /ORDER_PENDING_TIMEOUT/);
  });

  it('no key source stops it with one line', async () => {
    const p = run({ ...orderEnvFor(scope), AUTH_HS256_SECRET: '' });
    assert.equal(await p.exited, 1);
    assert.match(p.err().trim(), /^config: AUTH_JWKS_URL or AUTH_HS256_SECRET is required$/);
  });
});
