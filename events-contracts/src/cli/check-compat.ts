#!/usr/bin/env node
/**
 * eventshop-contracts-compat: compares this package's built schemas (dist/schemas) with a
 * baseline and exits 1 on a breaking change.
 *
 *   eventshop-contracts-compat                    baseline: latest version in the npm registry
 *   eventshop-contracts-compat --against <path>   baseline: a .tgz, a package folder or a schemas folder
 *   eventshop-contracts-compat --current <dir>    check another schemas folder than this package's
 *
 * Exit 0: compatible (or nothing published yet); 1: breaking changes, one per line; 2: usage or I/O error.
 * Uses no runtime dependency, so it runs from a bare extracted tarball.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkCompatibility, type BreakingChange } from '../compat/check-compatibility';
import { locateSchemaDir, readSchemaDir } from '../compat/schema-dir';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');

interface Options {
  against?: string;
  current: string;
}

interface Baseline {
  label: string;
  schemaDir?: string; // undefined: nothing published yet
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { current: join(PACKAGE_ROOT, 'dist', 'schemas') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--against' || arg === '--current') {
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`${arg} needs a path`);
      if (arg === '--against') options.against = resolve(value);
      else options.current = resolve(value);
      i++;
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError('');
    } else {
      throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return options;
}

function packageJson(dir: string): { name?: string; version?: string } {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
  } catch {
    return {};
  }
}

function extract(tarball: string, into: string): string {
  execFileSync('tar', ['-xzf', tarball, '-C', into], { stdio: ['ignore', 'ignore', 'pipe'] });
  return join(into, 'package');
}

function describe(packageDir: string, fallback: string): string {
  const pkg = packageJson(packageDir);
  return pkg.name && pkg.version ? `${pkg.name}@${pkg.version}` : fallback;
}

function baselineFromPath(path: string, work: string): Baseline {
  if (statSync(path).isDirectory()) {
    const schemaDir = locateSchemaDir(path);
    return { label: path, schemaDir };
  }
  const packageDir = extract(path, work);
  return {
    label: `${describe(packageDir, path)} (${path})`,
    schemaDir: join(packageDir, 'dist', 'schemas'),
  };
}

/** `npm pack <name>@latest` from the configured registry; E404 means nothing is published yet. */
function baselineFromRegistry(work: string): Baseline {
  const name = packageJson(PACKAGE_ROOT).name ?? '@eventshop/events-contracts';
  let output: string;
  try {
    output = execFileSync(
      'npm',
      ['pack', `${name}@latest`, '--pack-destination', work, '--json', '--loglevel=error'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const detail = `${stdout}${stderr}`.trim();
    if (/\bE404\b|404 Not Found/.test(detail)) return { label: `${name} (registry)` };
    throw new Error(`npm pack ${name}@latest failed: ${detail || String(error)}`, { cause: error });
  }
  const packed = JSON.parse(output) as { filename: string }[];
  const filename = packed[0]?.filename ?? readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!filename) throw new Error(`npm pack ${name}@latest produced no tarball`);
  const packageDir = extract(join(work, filename.replace(/^@[^/]+\//, '')), work);
  return {
    label: `${describe(packageDir, name)} (registry)`,
    schemaDir: join(packageDir, 'dist', 'schemas'),
  };
}

function format(change: BreakingChange): string {
  return `  ${change.type} ${change.path || '/'} [${change.kind}] ${change.message}`;
}

export function main(argv: readonly string[]): number {
  let work: string | undefined;
  try {
    const options = parseArgs(argv);
    const current = readSchemaDir(options.current);
    work = mkdtempSync(join(tmpdir(), 'eventshop-compat-'));
    const baseline = options.against
      ? baselineFromPath(options.against, work)
      : baselineFromRegistry(work);
    if (baseline.schemaDir === undefined) {
      console.log(`compatible: nothing published yet as ${baseline.label}, nothing to compare`);
      return 0;
    }
    const previous = readSchemaDir(baseline.schemaDir);
    const changes = checkCompatibility(previous, current);
    const added = Object.keys(current).filter((name) => !(name in previous));
    if (changes.length === 0) {
      const note = added.length > 0 ? `; new: ${added.join(', ')}` : '';
      console.log(
        `compatible with ${baseline.label}: ${Object.keys(previous).length} schemas checked, no breaking change${note}`,
      );
      return 0;
    }
    console.log(`${changes.length} breaking change(s) against ${baseline.label}:`);
    for (const change of changes) console.log(format(change));
    console.log(
      'A breaking change ships as a new major event type (e.g. order.created.v2) beside the old one.',
    );
    return 1;
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`eventshop-contracts-compat: ${error.message}`);
      console.error(
        'usage: eventshop-contracts-compat [--against <dir|file.tgz>] [--current <dir>]',
      );
      return 2;
    }
    console.error(`eventshop-contracts-compat: ${error instanceof Error ? error.message : error}`);
    return 2;
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
