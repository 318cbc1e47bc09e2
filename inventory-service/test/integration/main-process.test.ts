import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testInfra, type TestScope } from '@eventshop/service-kit/testing';
import { AUTH, eventually } from '../support/harness';

/** The built service as it runs in its image: `node dist/main.js`. */
const MAIN = join(__dirname, '..', '..', '..', 'dist', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function run(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

let scope: TestScope;

before(async () => {
  assert.ok(existsSync(MAIN), 'dist/main.js is missing: run `npm run build` first');
  scope = await (await testInfra()).scope('inventory-main');
});
after(async () => {
  await scope?.dispose();
});

describe('node dist/main.js', () => {
  it('starts, reports ready with metrics, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const service = run({ ...scope.env, ...AUTH, PORT: String(port), WATCHED_SKUS: 'MUG-1' });
    try {
      const ready = await eventually('ready', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(
          () => undefined,
        );
        return response?.status === 200 ? response : undefined;
      });
      assert.equal(ready.status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /eventshop_reservations_total\{outcome="reserved"\} 0/);
      assert.match(metrics, /eventshop_stock_units\{sku="MUG-1",state="available"\} 0/);
      const line = service
        .output()
        .split('\n')
        .find((l) => l.startsWith('{'));
      assert.ok(line, 'logs are JSON lines');
      assert.equal(JSON.parse(line).service, 'inventory-service');
    } finally {
      service.child.kill('SIGTERM');
    }
    assert.equal(await service.exit, 0, service.output().slice(-2000));
  });

  it('stops with one line and exit 1 when the configuration is bad', async () => {
    const service = run({ ...scope.env, AUTH_ISSUER: 'x', AUTH_AUDIENCE: 'y' });
    assert.equal(await service.exit, 1);
    assert.equal(service.output().trim(), 'config: AUTH_JWKS_URL or AUTH_HS256_SECRET is required');
    const badPort = run({ ...scope.env, ...AUTH, PORT: 'eighty' });
    assert.equal(await badPort.exit, 1);
    assert.match(badPort.output().trim(), /^config: PORT /);
    assert.equal(badPort.output().trim().split('\n').length, 1);
  });
});
