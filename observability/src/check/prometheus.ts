// A private Prometheus for the check: its own config, data folder and loopback port, scraping
// the three services and the broker's Prometheus plugin, loading the generated rules file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RABBITMQ_JOB, SERVICES, type ServiceName } from '../promql';

export interface Targets {
  services: Record<ServiceName, string>;
  /** host:port of RabbitMQ's prometheus plugin */
  rabbitmq: string;
  /** Only this vhost's queues are kept: a shared broker also holds other runs' vhosts. */
  vhost: string;
}

export const SCRAPE_INTERVAL_S = 5;

export function prometheusConfig(targets: Targets, rulesFile: string): string {
  const services = SERVICES.map((job) => ({
    job_name: job,
    metrics_path: '/metrics',
    static_configs: [{ targets: [targets.services[job]] }],
  }));
  const escaped = targets.vhost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stringify({
    global: {
      scrape_interval: `${SCRAPE_INTERVAL_S}s`,
      evaluation_interval: `${SCRAPE_INTERVAL_S}s`,
      scrape_timeout: '4s',
    },
    rule_files: [rulesFile],
    scrape_configs: [
      ...services,
      {
        job_name: RABBITMQ_JOB,
        // Per-queue series (messages ready/unacked, consumers), as the chart's PodMonitor scrapes.
        metrics_path: '/metrics/per-object',
        static_configs: [{ targets: [targets.rabbitmq] }],
        metric_relabel_configs: [
          { source_labels: ['vhost'], regex: `|${escaped}`, action: 'keep' },
        ],
      },
    ],
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export class Prometheus {
  private process?: ChildProcess;
  private startError?: Error;

  constructor(
    readonly url: string,
    private readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string, targets: Targets, rulesFile: string, log: string) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'data'), { recursive: true });
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, prometheusConfig(targets, rulesFile));
    const port = await freePort();
    const prometheus = new Prometheus(`http://127.0.0.1:${port}`, port, dir);
    const out = openSync(log, 'w');
    prometheus.process = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1d',
      ],
      { stdio: ['ignore', out, out] },
    );
    prometheus.process.once('error', (error) => {
      prometheus.startError = error;
    });
    await prometheus.waitReady(30_000, log);
    return prometheus;
  }

  private async waitReady(timeoutMs: number, log: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.startError) {
        throw new Error(
          `prometheus could not start (${this.startError.message}): install the Debian package prometheus (make toolchain)`,
        );
      }
      if (this.process?.exitCode !== null) {
        throw new Error(`prometheus exited with ${this.process?.exitCode} (log: ${log})`);
      }
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`prometheus was not ready within ${timeoutMs / 1000}s (log: ${log})`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${this.url}/api/v1/${path}${query ? `?${query}` : ''}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new PromQLError(body.error ?? `HTTP ${response.status}`);
    return body.data;
  }

  query(expr: string, time?: number) {
    return this.api<{ resultType: string; result: Sample[] }>('query', {
      query: expr,
      ...(time === undefined ? {} : { time: String(time) }),
    });
  }

  queryRange(expr: string, start: number, end: number, step: number) {
    return this.api<{ resultType: string; result: Series[] }>('query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(step),
    });
  }

  async alerts(): Promise<Alert[]> {
    return (await this.api<{ alerts: Alert[] }>('alerts')).alerts;
  }

  async rules(): Promise<RuleState[]> {
    const data = await this.api<{ groups: { rules: RuleState[] }[] }>('rules', { type: 'alert' });
    return data.groups.flatMap((g) => g.rules);
  }
}

export class PromQLError extends Error {}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}
export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}
export interface RuleState {
  name: string;
  query: string;
  health: string;
  lastError?: string;
  state: 'inactive' | 'pending' | 'firing';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
