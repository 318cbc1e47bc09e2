import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PACKAGE_ROOT } from './fixtures';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'check-compat.js');
const BROKEN_TYPE = 'order.created.v1';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Removes `email` from a schema file: a breaking change. */
function breakSchema(file: string): void {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    properties: Record<string, unknown>;
    required: string[];
  };
  delete doc.properties['email'];
  doc.required = doc.required.filter((name) => name !== 'email');
  writeFileSync(file, JSON.stringify(doc));
}

/** A minimal npm registry serving one tarball as the latest version (or nothing: 404). */
async function fakeRegistry(tarball?: Buffer): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (tarball && req.url === '/@eventshop%2fevents-contracts') {
      const dist = {
        tarball: `${base}/events-contracts-1.0.0.tgz`,
        shasum: createHash('sha1').update(tarball).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      };
      const version = { name: '@eventshop/events-contracts', version: '1.0.0', dist };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name: '@eventshop/events-contracts',
          'dist-tags': { latest: '1.0.0' },
          versions: { '1.0.0': version },
        }),
      );
    } else if (tarball && req.url === '/events-contracts-1.0.0.tgz') {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(tarball);
    } else {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'not found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('eventshop-contracts-compat (end to end)', () => {
  let work: string;
  let tarball: string;
  let brokenSchemas: string;

  before(() => {
    assert.ok(existsSync(CLI), 'dist/ is missing: run `npm run build` before the tests');
    work = mkdtempSync(join(tmpdir(), 'contracts-cli-test-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--pack-destination', work, '--json', '--loglevel=error'], {
        cwd: PACKAGE_ROOT,
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    tarball = join(work, packed[0]!.filename);
    brokenSchemas = join(work, 'broken-schemas');
    cpSync(join(PACKAGE_ROOT, 'dist', 'schemas'), brokenSchemas, { recursive: true });
    breakSchema(join(brokenSchemas, `${BROKEN_TYPE}.json`));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('exits 0 with a one-line summary against a tarball of the current package', async () => {
    const result = await run(CLI, ['--against', tarball]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^compatible with @eventshop\/events-contracts@\d+\.\d+\.\d+ .*9 schemas/,
    );
  });

  it('exits 1 naming the break when the packaged CLI runs with a broken schema', async () => {
    // The CLI as shipped, from the extracted tarball (no node_modules): one schema is broken.
    const extracted = join(work, 'extracted');
    mkdirSync(extracted);
    execFileSync('tar', ['-xzf', tarball, '-C', extracted]);
    breakSchema(join(extracted, 'package', 'dist', 'schemas', `${BROKEN_TYPE}.json`));
    const result = await run(join(extracted, 'package', 'dist', 'cli', 'check-compat.js'), [
      '--against',
      tarball,
    ]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^1 breaking change\(s\) against @eventshop\/events-contracts@\d+\.\d+\.\d+/,
    );
    assert.match(result.stdout, /order\.created\.v1 \/email \[removed-field\]/);
  });

  it('compares with a schemas folder given by --against and --current', async () => {
    const result = await run(CLI, [
      '--against',
      join(PACKAGE_ROOT, 'dist', 'schemas'),
      '--current',
      brokenSchemas,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /order\.created\.v1 \/email \[removed-field\]/);
  });

  it('takes the latest version from the configured registry', async () => {
    const { url, server } = await fakeRegistry(readFileSync(tarball));
    try {
      const env = { npm_config_registry: url, npm_config_cache: join(work, 'npm-cache') };
      const same = await run(CLI, [], env);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      assert.match(
        same.stdout,
        /^compatible with @eventshop\/events-contracts@\d+\.\d+\.\d+ \(registry\)/,
      );
      const broken = await run(CLI, ['--current', brokenSchemas], env);
      assert.equal(broken.code, 1, broken.stdout + broken.stderr);
      assert.match(broken.stdout, /order\.created\.v1 \/email \[removed-field\]/);
    } finally {
      await close(server);
    }
  });

  it('exits 0 saying nothing is published yet when the registry has no version', async () => {
    const { url, server } = await fakeRegistry();
    try {
      const env = { npm_config_registry: url, npm_config_cache: join(work, 'npm-cache-empty') };
      const result = await run(CLI, [], env);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /nothing published yet/);
    } finally {
      await close(server);
    }
  });

  it('exits 2 on a bad argument or a missing baseline', async () => {
    assert.equal((await run(CLI, ['--bogus'])).code, 2);
    const missing = await run(CLI, ['--against', join(work, 'nope.tgz')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.tgz/);
  });
});
