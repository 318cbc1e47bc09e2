/**
 * The project's podman settings: runtime runc, and default rlimits a container can actually be
 * given on this machine (never above the hard limits podman itself runs with).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../src/repo';

const root = repoRoot();
const script = join(root, 'scripts', 'podman.sh');

function shell(command: string): string {
  return execFileSync('bash', ['-c', command], { encoding: 'utf8' }).trim();
}

function hardLimit(flag: '-n' | '-u'): number {
  const value = shell(`ulimit -H ${flag}`);
  return value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
}

describe('podman containers.conf', () => {
  const path = execFileSync('bash', [script, 'conf'], { encoding: 'utf8' }).trim();
  const conf = readFileSync(path, 'utf8');

  it('is written under .local/ from infra/podman/containers.conf', () => {
    assert.equal(path, join(root, '.local', 'podman', 'containers.conf'));
    assert.doesNotMatch(conf, /(NOFILE|NPROC)_HARD:/);
  });

  it('runs containers with runc', () => {
    assert.match(conf, /^runtime = "runc"$/m);
  });

  it('sets nofile and nproc within the machine hard limits', () => {
    const line = /^default_ulimits = \[(.*)\]$/m.exec(conf)?.[1] ?? '';
    const limits = new Map<string, { soft: number; hard: number }>(
      [...line.matchAll(/"(\w+)=(\d+):(\d+)"/g)].map((m) => [
        m[1] ?? '',
        { soft: Number(m[2]), hard: Number(m[3]) },
      ]),
    );
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const nofile = limits.get('nofile');
    const nproc = limits.get('nproc');
    assert.ok(nofile && nproc, `nofile and nproc in ${line}`);
    assert.ok(nofile.soft <= nofile.hard && nofile.hard <= hardLimit('-n'), `nofile ${line}`);
    assert.ok(nproc.soft <= nproc.hard && nproc.hard <= Math.min(hardLimit('-u'), pidMax));
  });
});
