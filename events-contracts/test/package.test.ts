import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALL_EVENT_TYPES, envelopeSchema, eventSchemas } from '../src';
import { EVENT_CATALOG } from '../src/catalog';
import { PACKAGE_ROOT } from './fixtures';

const SCHEMAS = join(PACKAGE_ROOT, 'dist', 'schemas');

describe('package contents', () => {
  it('packs only dist (with the schemas), README.md and package.json', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], {
        cwd: PACKAGE_ROOT,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const files = pack!.files.map((f) => f.path).sort();
    const outside = files.filter(
      (path) => !path.startsWith('dist/') && path !== 'README.md' && path !== 'package.json',
    );
    assert.deepEqual(outside, []);
    assert.ok(files.includes('README.md'));
    assert.ok(files.includes('package.json'));
    for (const name of ['index.js', 'index.d.ts', 'cli/check-compat.js', 'schemas/envelope.json']) {
      assert.ok(files.includes(`dist/${name}`), `dist/${name} is packed`);
    }
    for (const type of ALL_EVENT_TYPES) {
      assert.ok(files.includes(`dist/schemas/${type}.json`), `schema of ${type} is packed`);
    }
  });

  it('writes dist/schemas/<type>.json equal to the TypeBox schemas', () => {
    const json = readdirSync(SCHEMAS).filter((f) => f.endsWith('.json'));
    assert.deepEqual(
      json.sort(),
      ['envelope.json', ...ALL_EVENT_TYPES.map((t) => `${t}.json`)].sort(),
    );
    const read = (name: string) => {
      const { $schema, ...schema } = JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8'));
      assert.equal($schema, 'http://json-schema.org/draft-07/schema#');
      return schema as unknown;
    };
    assert.deepEqual(read('envelope.json'), JSON.parse(JSON.stringify(envelopeSchema)));
    for (const type of ALL_EVENT_TYPES) {
      assert.deepEqual(read(`${type}.json`), JSON.parse(JSON.stringify(eventSchemas[type])), type);
    }
  });

  it('declares the compat command as a bin with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(pkg.bin['eventshop-contracts-compat'], 'dist/cli/check-compat.js');
    const cli = readFileSync(join(PACKAGE_ROOT, 'dist', 'cli', 'check-compat.js'), 'utf8');
    assert.match(cli, /^#!\/usr\/bin\/env node\n/);
  });

  it("lists every event in the README's table with its producer and consumers", () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const rows = new Map<string, { producer: string; consumers: string[] }>();
    for (const match of readme.matchAll(
      /^\| `([a-z.-]+\.v\d+)` +\| ([a-z-]+) +\| ([a-z, -]+?) +\|/gm,
    )) {
      // `none`: a fact published for future consumers and audit.
      const consumers = match[3] === 'none' ? [] : match[3]!.split(', ');
      rows.set(match[1]!, { producer: match[2]!, consumers });
    }
    assert.deepEqual([...rows.keys()].sort(), [...ALL_EVENT_TYPES].sort());
    for (const type of ALL_EVENT_TYPES) {
      const { producer, consumers } = EVENT_CATALOG[type];
      assert.deepEqual(rows.get(type), { producer, consumers: [...consumers] }, type);
    }
  });
});
