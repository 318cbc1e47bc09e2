#!/usr/bin/env node
// make front-door-check: what a new user does after `make up`, checked. Runs the blocks of
// scripts/try-it.sh (the commands `make up` prints and the README shows) one after another in
// one bash, as a user pastes them, and checks what each printed. Also checks that the README's
// copy of the block is the same text. Needs `make up`'s system running.
//   node scripts/front-door-check.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'scripts/try-it.sh'), 'utf8');
const INVENTORY = 'http://127.0.0.1:3001';

/** The user-facing text of try-it.sh: without the `##` lines and the blank lines around them. */
export function shownText(text) {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('##'))
    .join('\n')
    .trim();
}

/** Blocks separated by blank lines; the first comment line is the block's title. */
export function blocksOf(text) {
  return shownText(text)
    .split(/\n\s*\n/)
    .map((code) => ({ title: code.split('\n')[0].replace(/^#\s*/, ''), code }));
}

/** The fenced block of the README that follows the `<!-- try-it -->` marker, indentation removed. */
export function readmeBlock(readme) {
  const match = /<!-- try-it -->\s*\n```sh\n([\s\S]*?)\n```/.exec(readme);
  if (!match) return undefined;
  return match[1]
    .split('\n')
    .map((line) => line.replace(/^ {2}/, ''))
    .join('\n')
    .trim();
}

/** One bash for the whole walk, so that variables set by a block reach the next. */
class Shell {
  constructor(cwd) {
    this.dir = mkdtempSync(join(tmpdir(), 'front-door-'));
    this.bash = spawn('bash', ['--noprofile', '--norc'], {
      cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.buffer = '';
    this.waiters = [];
    this.bash.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      this.waiters.forEach((w) => w());
    });
    this.count = 0;
  }

  /** Runs code; resolves with its exit code, stdout, stderr and the shell variables it names. */
  run(code, variables = []) {
    const n = ++this.count;
    const out = join(this.dir, `${n}.out`);
    const err = join(this.dir, `${n}.err`);
    const marker = `__done_${n}__`;
    const dump = variables.map((v) => `printf '%s=%s\\n' ${v} "$${v}" >>${out}.vars`).join('; ');
    this.bash.stdin.write(
      `{\n${code}\n} >${out} 2>${err}\necho "${marker} $?"; ${dump}\necho "${marker}"\n`,
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`block did not finish within 30s`)), 30_000);
      const check = () => {
        const at = this.buffer.indexOf(`${marker} `);
        const end = this.buffer.indexOf(`${marker}\n`);
        if (at < 0 || end < 0) return;
        const status = Number(this.buffer.slice(at + marker.length + 1).split('\n')[0]);
        this.buffer = this.buffer.slice(end + marker.length + 1);
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        const read = (file) => {
          try {
            return readFileSync(file, 'utf8');
          } catch {
            return '';
          }
        };
        const vars = Object.fromEntries(
          read(`${out}.vars`)
            .split('\n')
            .filter(Boolean)
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
        resolve({ status, stdout: read(out), stderr: read(err), vars });
      };
      this.waiters.push(check);
      check();
    });
  }

  close() {
    this.bash.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
async function getJson(url, token) {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5_000),
  });
  return json(await res.text());
}

/**
 * What each block must print, in order. `expect` gets the block's result and the state so far and
 * returns undefined when satisfied or a reason; `within` repeats the block until then (the saga is
 * asynchronous: "a moment later").
 */
const expectations = [
  {
    vars: ['TOKEN'],
    expect: ({ vars }, state) => {
      state.token = vars.TOKEN;
      return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(vars.TOKEN ?? '') ? undefined : 'TOKEN is not a JWT';
    },
  },
  {
    vars: ['ORDER_ID'],
    expect: ({ stderr, vars }, state) => {
      state.orderId = vars.ORDER_ID;
      if (!/^HTTP\/[\d.]+ 201/m.test(stderr))
        return `no 201 in the headers: ${stderr.split('\n')[0]}`;
      if (!new RegExp(`^location: .*/orders/${vars.ORDER_ID}\\s*$`, 'im').test(stderr))
        return 'no Location header naming the order';
      return /^[0-9a-f-]{36}$/.test(vars.ORDER_ID ?? '')
        ? undefined
        : 'ORDER_ID is not an order id';
    },
  },
  {
    within: 10_000,
    expect: ({ stdout }) => {
      const status = json(stdout)?.status;
      return status === 'CONFIRMED' ? undefined : `status ${status ?? stdout.slice(0, 80)}`;
    },
  },
  {
    within: 10_000,
    expect: ({ stdout }, state) => {
      const short = state.orderId.slice(0, 8).toUpperCase();
      const mail = (json(stdout)?.messages ?? []).find(
        (m) => m.To?.some((to) => to.Address === 'alice@example.com') && m.Subject?.includes(short),
      );
      if (!mail) return `no e-mail to alice@example.com about order ${short}`;
      state.subject = mail.Subject;
      return /confirmed/i.test(mail.Subject) ? undefined : `subject "${mail.Subject}"`;
    },
  },
  {
    within: 10_000,
    vars: ['POSTER_ID'],
    // Run again while waiting, so each repetition would create another order: only the
    // status request is repeated (the last line of the block).
    repeatLastLine: true,
    expect: ({ stdout, vars }) => {
      const status = json(stdout.trim().split('\n').pop())?.status;
      if (!vars.POSTER_ID) return 'POSTER_ID is empty: the order was not created';
      return status === 'REJECTED' ? undefined : `status ${status ?? stdout.slice(0, 80)}`;
    },
  },
  {
    before: async (state) => {
      const mug = await getJson(`${INVENTORY}/products/MUG-BLACK`, state.token);
      state.availableBeforeCancel = mug?.available;
    },
    expect: ({ stdout }) => {
      const status = json(stdout)?.status;
      return status === 'CANCELLED' ? undefined : `status ${status ?? stdout.slice(0, 80)}`;
    },
  },
  {
    within: 10_000,
    expect: ({ stdout }, state) => {
      const available = json(stdout)?.available;
      const want = state.availableBeforeCancel + 2;
      return available === want ? undefined : `available ${available}, want ${want}`;
    },
  },
];

async function main() {
  const failures = [];
  const shown = shownText(source);
  const inReadme = readmeBlock(readFileSync(join(root, 'README.md'), 'utf8'));
  const rows = [];
  rows.push([
    'README block = scripts/try-it.sh',
    inReadme === shown ? 'ok' : 'FAILED',
    inReadme === undefined
      ? 'no <!-- try-it --> block in README.md'
      : inReadme === shown
        ? ''
        : 'the texts differ',
  ]);
  if (inReadme !== shown) failures.push('README');

  const blocks = blocksOf(source);
  if (blocks.length !== expectations.length) {
    throw new Error(
      `scripts/try-it.sh has ${blocks.length} blocks, the check knows ${expectations.length}`,
    );
  }
  const shell = new Shell(root);
  const state = {};
  try {
    for (const [i, block] of blocks.entries()) {
      const want = expectations[i];
      const began = Date.now();
      let reason;
      let lastStderr = '';
      try {
        await want.before?.(state);
        let result = await shell.run(block.code, want.vars);
        lastStderr = result.stderr;
        reason =
          result.status === 0
            ? want.expect(result, state)
            : `exit ${result.status}: ${result.stderr.trim()}`;
        const vars = result.vars;
        while (reason && want.within && Date.now() - began < want.within) {
          await sleep(500);
          const code = want.repeatLastLine ? block.code.trim().split('\n').pop() : block.code;
          result = { ...(await shell.run(code)), vars };
          lastStderr = result.stderr;
          reason = result.status === 0 ? want.expect(result, state) : `exit ${result.status}`;
        }
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (reason && lastStderr)
        reason += ` — stderr: ${lastStderr.trim().split('\n').slice(-3).join(' | ')}`;
      const ms = Date.now() - began;
      rows.push([block.title, reason ? 'FAILED' : 'ok', reason ?? `${(ms / 1000).toFixed(1)}s`]);
      if (reason) {
        failures.push(block.title);
        break; // later blocks depend on this one
      }
    }
  } finally {
    shell.close();
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [title, verdict, note] of rows)
    console.log(`  ${title.padEnd(width)}  ${verdict.padEnd(6)}  ${note}`);
  if (state.subject) console.log(`  e-mail: "${state.subject}"`);
  if (failures.length) {
    console.error(`front-door check FAILED (${failures.length} of ${blocks.length + 1} steps)`);
    process.exitCode = 1;
    return;
  }
  console.log(`front-door check passed: ${blocks.length + 1} of ${blocks.length + 1} steps`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`front-door check FAILED: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  });
}
