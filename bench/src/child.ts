// A helper process of the bench (a baseline server, the naive pipeline's apps): started from this
// package's dist/, it prints its HTTP port (or "ready") as its first line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export class Child {
  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    readonly firstLine: string,
  ) {}

  get pid(): number {
    return this.process.pid!;
  }

  static async start(name: string, script: string, env: Record<string, string>): Promise<Child> {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => String(line)),
      once(child, 'exit').then(([code]) => {
        throw new Error(`${name} exited with ${String(code)} while starting`);
      }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000).unref(),
      ),
    ]);
    lines.on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
    return new Child(name, child, first);
  }

  /** Resolves with the exit code when the process ends by itself. */
  async exited(): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return this.process.exitCode;
    }
    const [code] = (await once(this.process, 'exit')) as [number | null];
    return code;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
