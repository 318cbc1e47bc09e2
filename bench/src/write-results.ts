// Writes a run's results: JSON, Markdown and the chart under results/ (stamped and latest), and the
// latest report into README.md. `node dist/write-results.js results/<run>.json` renders a stored
// run again (after a change of the report).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chartSpec, renderPng } from './chart';
import { markdownReport } from './report';
import type { RunResult } from './result';

const README_START = '<!-- bench:latest:start -->';
const README_END = '<!-- bench:latest:end -->';

export async function writeResults(
  run: RunResult,
  resultsDir: string,
  packageDir: string,
  log: (message: string) => void = console.log,
): Promise<void> {
  const stamp = run.startedAt.replace(/[-:]/g, '').replace(/Z$/, 'Z');
  const markdown = markdownReport(run);
  const json = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(join(resultsDir, `${stamp}.json`), json);
  writeFileSync(join(resultsDir, `${stamp}.md`), markdown);
  writeFileSync(join(resultsDir, 'latest.json'), json);
  writeFileSync(join(resultsDir, 'latest.md'), markdown);
  try {
    const png = await renderPng(chartSpec(run));
    writeFileSync(join(resultsDir, `${stamp}.png`), png);
    writeFileSync(join(resultsDir, 'latest.png'), png);
  } catch (err) {
    log(`chart not rendered: ${String(err)}`);
  }
  const readmePath = join(packageDir, 'README.md');
  try {
    const readme = readFileSync(readmePath, 'utf8');
    const from = readme.indexOf(README_START);
    const to = readme.indexOf(README_END);
    if (from >= 0 && to > from) {
      const latest = markdownReport(run)
        .replace(/^# .*\n/, '')
        .replace(/^## /gm, '### ');
      writeFileSync(
        readmePath,
        `${readme.slice(0, from + README_START.length)}\n\n_Run ${run.startedAt}; full report: [results/latest.md](results/latest.md)._\n\n![latency against throughput](results/latest.png)\n${latest}\n${readme.slice(to)}`,
      );
    }
    formatWithRepositoryPrettier(readmePath, packageDir);
  } catch {
    // no README: the results folder has everything
  }
}

/** The tree is lint-checked with Prettier: format the generated README table with it if present. */
function formatWithRepositoryPrettier(file: string, packageDir: string): void {
  const prettier = join(packageDir, '..', 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  if (!existsSync(prettier)) return;
  spawnSync(process.execPath, [prettier, '--write', file], {
    cwd: join(packageDir, '..'),
    stdio: 'ignore',
  });
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node dist/write-results.js results/<run>.json');
    process.exit(2);
  }
  const packageDir = join(__dirname, '..');
  const run = JSON.parse(readFileSync(resolve(file), 'utf8')) as RunResult;
  void writeResults(run, join(packageDir, 'results'), packageDir);
}
