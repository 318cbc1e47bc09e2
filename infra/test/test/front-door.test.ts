/**
 * The front door's two promises that need no running system: the commands the README shows are
 * the ones `make up` prints and `make front-door-check` runs (scripts/try-it.sh), and the local
 * registry never proxies to itself, whatever a project script exported before starting it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../../../..');

interface FrontDoorCheck {
  shownText(text: string): string;
  blocksOf(text: string): { title: string; code: string }[];
  readmeBlock(readme: string): string | undefined;
}
const loadCheck = async (): Promise<FrontDoorCheck> =>
  (await import(pathToFileURL(join(root, 'scripts/front-door-check.mjs')).href)) as FrontDoorCheck;

describe('front door: the README shows what make up prints and the check runs', () => {
  it('the README block is scripts/try-it.sh as shown', async () => {
    const check = await loadCheck();
    const source = await readFile(join(root, 'scripts/try-it.sh'), 'utf8');
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    assert.equal(check.readmeBlock(readme), check.shownText(source));
  });

  it('a README whose block differs by one character is caught', async () => {
    const check = await loadCheck();
    const source = await readFile(join(root, 'scripts/try-it.sh'), 'utf8');
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const drifted = readme.replace('MUG-BLACK","quantity":2', 'MUG-BLACK","quantity":3');
    assert.notEqual(drifted, readme);
    assert.notEqual(check.readmeBlock(drifted), check.shownText(source));
  });

  it('every block has a title and code, and `##` lines are not shown', async () => {
    const check = await loadCheck();
    const source = await readFile(join(root, 'scripts/try-it.sh'), 'utf8');
    const blocks = check.blocksOf(source);
    assert.ok(blocks.length >= 7, `${blocks.length} blocks`);
    for (const block of blocks) {
      assert.match(block.code, /^# /, block.title);
      assert.ok(block.code.split('\n').length >= 2, `"${block.title}" has no command`);
      assert.doesNotMatch(block.code, /^##/m);
    }
  });
});

describe('front door: the local registry upstream', () => {
  const run = promisify(execFile);
  // A clean environment: what a user's shell has, without any project variable.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_config_|NPM_UPSTREAM$|NPM_REGISTRY$)/i.test(key),
    ),
  );
  const upstream = (env: NodeJS.ProcessEnv, script = 'bash scripts/infra.sh upstream') =>
    run('bash', ['-c', script], { cwd: root, env, timeout: 30_000 });

  it('is the registry npm had before a project script pointed npm at the local registry', async () => {
    // The order of scripts/system.sh: use_local_registry exports npm_config_registry, then the
    // infrastructure starts. The upstream must not be the local registry.
    const { stdout } = await upstream(
      clean,
      '. scripts/lib.sh && use_local_registry && bash scripts/infra.sh upstream && echo "npm: $npm_config_registry"',
    );
    const [chosen, npm] = stdout.trim().split('\n');
    assert.equal(npm, 'npm: http://127.0.0.1:4873/');
    assert.doesNotMatch(chosen ?? '', /127\.0\.0\.1:4873|localhost:4873/);
    assert.match(chosen ?? '', /^https?:\/\/.+\/$/);
  });

  it('NPM_UPSTREAM wins', async () => {
    const { stdout } = await upstream({ ...clean, NPM_UPSTREAM: 'https://registry.example.org' });
    assert.equal(stdout.trim(), 'https://registry.example.org/');
  });

  for (const self of ['http://127.0.0.1:4873/', 'http://localhost:4873']) {
    it(`the local registry itself (${self}) is refused with a message saying what to do`, async () => {
      await assert.rejects(
        upstream({ ...clean, NPM_UPSTREAM: self }),
        (error: Error & { stderr: string }) => {
          assert.match(error.stderr, /upstream would be the local registry itself/);
          assert.match(error.stderr, /NPM_UPSTREAM/);
          return true;
        },
      );
      // The same when it comes from npm's own configuration.
      await assert.rejects(
        upstream({ ...clean, npm_config_registry: self }),
        /local registry itself/,
      );
    });
  }
});
