// `promtool check rules` and `promtool test rules` over the generated rules file: every alert
// has a test where it fires on a bad series and one where it stays quiet on a good one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot, RULES_FILE } from '../../src/generate';
import { ALERTS } from '../../src/rules';

const root = repoRoot();
const testDir = join(root, 'observability/test/rules');
const testFiles = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(testDir, f));

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) {
    assert.fail(
      `promtool is missing (${result.error.message}): install the Debian package prometheus (make toolchain)`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe('alert rules (promtool)', () => {
  it('promtool check rules accepts the generated rules file', () => {
    const { status, output } = promtool('check', 'rules', join(root, RULES_FILE));
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${ALERTS.length} rules found`));
  });

  for (const file of testFiles) {
    it(`promtool test rules ${file.slice(root.length + 1)}`, () => {
      const { status, output } = promtool('test', 'rules', file);
      assert.equal(status, 0, output);
      assert.match(output, /SUCCESS/);
    });
  }

  for (const { alert } of ALERTS) {
    it(`${alert} has a test where it fires and one where it stays quiet`, () => {
      const cases = testFiles.flatMap((f) =>
        (parse(readFileSync(f, 'utf8')) as RuleTestFile).tests.flatMap(
          (t) => t.alert_rule_test ?? [],
        ),
      );
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `no test expects ${alert} to fire`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `no test expects ${alert} to stay quiet`,
      );
    });
  }

  it('a broken threshold is caught: the tests fail against a rule that never fires', () => {
    // The same tests against a copy of the rules whose down-detector can never fire must fail,
    // so a green run means the tests look at the alert, not at nothing.
    const broken = readFileSync(join(root, RULES_FILE), 'utf8').replace(
      /(alert: EventShopServiceDown\n\s+expr: .*) == 0/,
      '$1 == 2',
    );
    const dir = mkdtempSync(join(tmpdir(), 'eventshop-rules-'));
    writeFileSync(join(dir, 'rules.yml'), broken);
    const original = readFileSync(join(testDir, 'service-down.test.yml'), 'utf8');
    const test = join(dir, 'service-down.test.yml');
    writeFileSync(test, original.replace(/rule_files: \[[^\]]*\]/, "rule_files: ['rules.yml']"));
    const { status, output } = promtool('test', 'rules', test);
    rmSync(dir, { recursive: true, force: true });
    assert.notEqual(status, 0, output);
    assert.match(output, /FAILED/);
  });
});
