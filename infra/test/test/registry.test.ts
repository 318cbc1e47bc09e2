/**
 * The local npm registry serves @eventshop/events-contracts by semver, as every service installs
 * it: a scratch package outside the repository installs ^1.0.0 and uses it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import semver from 'semver';
import { requireEnv } from '../src/env';

const PACKAGE = '@eventshop/events-contracts';
const RANGE = '^1.0.0';

/** The part of the contracts' API this test uses (the package is installed at run time). */
interface Contracts {
  createEvent(type: string, options: { source: string; subject: string; data: unknown }): object;
  validateEvent(value: unknown): { ok: boolean };
}

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
}

describe(`registry: ${PACKAGE}@${RANGE} by semver`, () => {
  let registry: string;
  let dir: string;

  before(async () => {
    const url = requireEnv('NPM_REGISTRY');
    registry = url.endsWith('/') ? url : `${url}/`;
    dir = await mkdtemp(join(tmpdir(), 'eventshop-registry-test-'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, dependencies: { [PACKAGE]: RANGE } }),
    );
    // Lock the tarball URLs (the project's own packages leave them out) to see where it came from.
    await promisify(execFile)(
      'npm',
      [
        'install',
        `--registry=${registry}`,
        '--omit-lockfile-registry-resolved=false',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      { cwd: dir, env: { ...process.env, npm_config_registry: registry }, timeout: 180_000 },
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs a version that satisfies the range, from that registry', async () => {
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const entry = lock.packages[`node_modules/${PACKAGE}`];
    assert.ok(entry, `${PACKAGE} is in the lock`);
    assert.ok(semver.satisfies(entry.version, RANGE), `${entry.version} satisfies ${RANGE}`);

    const installed = JSON.parse(
      await readFile(join(dir, 'node_modules', PACKAGE, 'package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(installed.version, entry.version);

    assert.ok(
      entry.resolved?.startsWith(`${registry}${PACKAGE}/-/`),
      `resolved from ${registry}: ${entry.resolved}`,
    );
    const metadata = (await (await fetch(`${registry}${PACKAGE.replace('/', '%2f')}`)).json()) as {
      versions: Record<string, { dist: { integrity: string } }>;
    };
    assert.equal(entry.integrity, metadata.versions[entry.version]?.dist.integrity);
  });

  it('exports a validator that accepts a created event and rejects a broken one', () => {
    const contracts = createRequire(join(dir, 'package.json'))(PACKAGE) as Contracts;
    const event = contracts.createEvent('order.created.v1', {
      source: '/infra-tests',
      subject: '0b7c3f52-4a5e-4d8e-9a51-2f1d7d6c9e10',
      data: {
        orderId: '0b7c3f52-4a5e-4d8e-9a51-2f1d7d6c9e10',
        userId: 'user-1',
        email: 'customer@example.com',
        currency: 'EUR',
        totalMinor: 2500,
        lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1250 }],
        createdAt: new Date().toISOString(),
      },
    });

    assert.equal(contracts.validateEvent(event).ok, true);
    assert.equal(contracts.validateEvent({ ...event, type: 'order.created.v0' }).ok, false);
  });
});
