// One service as it ships — `node dist/main.js` in its folder — run as a child process with the
// env the suite gives it, its output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './wait';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From the signal that asked it to stop to its exit. */
  readonly ms: number;
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private stopAskedAt = 0;

  constructor(
    readonly name: string,
    private readonly dir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Fails with one line when the service was not installed and built (make test does both). */
  assertBuilt(): void {
    for (const needed of ['dist/main.js', 'node_modules']) {
      if (!existsSync(join(this.dir, needed))) {
        throw new Error(
          `${this.name} is not built (${needed} is missing): run \`npm ci && npm run build\` in ` +
            `${this.name}/ first (make test builds every service before e2e)`,
        );
      }
    }
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.assertBuilt();
    mkdirSync(join(this.logFile, '..'), { recursive: true });
    // A fresh log per run of the suite; a restart within the run appends to it.
    const log = openSync(this.logFile, this.child === undefined ? 'w' : 'a');
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: this.dir,
      env: this.env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.stopAskedAt = 0;
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve({ code, signal, ms: this.stopAskedAt ? Date.now() - this.stopAskedAt : 0 }),
      );
    });
  }

  async waitReady(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(`${this.name} exited while starting; its log ends:\n${this.logTail()}`);
      }
      const status = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) })
        .then((res) => res.status)
        .catch(() => 0);
      if (status === 200) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} was not ready within ${timeoutMs}ms (last answer: ${status || 'none'}); ` +
            `its log ends:\n${this.logTail()}`,
        );
      }
      await sleep(250);
    }
  }

  /** SIGTERM, then the exit; SIGKILL after `killAfterMs` (then the exit says so). */
  async stop(killAfterMs = 20_000): Promise<Exit> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new Error(`${this.name} was never started`);
    if (this.running) {
      this.stopAskedAt = Date.now();
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort when the test process ends: no service outlives the suite. */
  kill(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
