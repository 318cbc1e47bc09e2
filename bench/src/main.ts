// `npm run bench`: POST /orders and the saga at rising concurrency against three baselines on the
// same machine, then the targets, a report, a chart and the README table. See README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { infraEnv } from '@eventshop/e2e/dist/index.js';
import type { Document } from 'mongodb';
import { Child } from './child';
import { parseConfig, withPool, type BenchConfig } from './config';
import { driverInsertStep } from './baselines/driver-insert';
import { measureDbOperations } from './baselines/db-operations';
import { DbCommandCounter } from './db-commands';
import { ferretDbDurability } from './durability';
import { brokerBacklog } from './broker-backlog';
import { runLoad } from './load';
import { NaivePipeline, type NaiveVariant } from './naive/pipeline';
import { EXCHANGE as NAIVE_EXCHANGE } from './naive/naive-env';
import { pidListeningOn, untilQuiet, UsageMeter } from './proc';
import { summarizeProfile, type CpuProfile } from './profile';
import { ReliableSystem } from './reliable';
import type { ServiceName } from '@eventshop/e2e/dist/index.js';
import { evaluateTargets, peak, rampSteps, stepTable, targetTable } from './report';
import { writeResults } from './write-results';
import type { DbOperationCost, ProfileSummary, RunResult, StepResult } from './result';
import { cloudEvents, nestPackets, SagaTap } from './saga-tap';
import { SmtpSink } from './smtp-sink';
import { spikeSteps } from './spike';
import { spread } from './stats';
import { plainResult, sagaStep } from './steps';

const PACKAGE_DIR = join(__dirname, '..');
const RESULTS_DIR = join(PACKAGE_DIR, 'results');
const WORK_DIR = join(PACKAGE_DIR, 'logs');
const started = Date.now();

function log(message: string): void {
  const s = Math.round((Date.now() - started) / 1000);
  console.log(
    `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${message}`,
  );
}

function line(s: StepResult): string {
  const saga = s.saga
    ? `, sagas ${s.saga.perS.toFixed(0)}/s p50 ${s.saga.latency.p50.toFixed(0)} p99 ${s.saga.latency.p99.toFixed(0)} ms` +
      (s.saga.missing ? ` (${s.saga.missing} unfinished)` : '')
    : '';
  const cpu = s.processes.map((p) => `${p.name} ${p.cpuPercent.toFixed(0)}%`).join(' ');
  return (
    `${s.pipeline} ${s.kind} c=${s.connections}${s.targetRate ? ` @${s.targetRate}/s` : ''}: ` +
    `${s.acceptedPerS.toFixed(0)}/s (${s.failed} failed), HTTP p50 ${s.http.p50.toFixed(1)} p99 ${s.http.p99.toFixed(1)} ms${saga}` +
    (s.eventsPerS !== undefined ? `, ${s.eventsPerS.toFixed(0)} events/s` : '') +
    (s.dbCommandsPerOrder !== undefined
      ? `, ${s.dbCommandsPerOrder.toFixed(1)} db commands/order`
      : '') +
    ` | ${cpu}`
  );
}

/** When the services' start-up sweeps have run once (order-service's first pass: 30 s with a
 * 10 m pending timeout, the bench's). */
const SWEEPS_FIRST_PASS_S = 35;

function infraPids(infra: { amqpUrl: string; mongoUri: string }): [string, number][] {
  const port = (url: string, fallback: number) => Number(new URL(url).port || fallback);
  const broker = pidListeningOn(port(infra.amqpUrl, 5672));
  const database = pidListeningOn(port(infra.mongoUri.replace(/^mongodb:/, 'http:'), 27017));
  return [
    ...(broker ? ([['rabbitmq', broker]] as [string, number][]) : []),
    ...(database ? ([['ferretdb', database]] as [string, number][]) : []),
    ['bench client', process.pid],
  ];
}

/** Which code ran: the commit, and the service folders that differ from it (a shared working tree). */
function provenance(): string | undefined {
  const root = join(PACKAGE_DIR, '..');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  const folders = ['order-service', 'inventory-service', 'notification-service', 'e2e'];
  const dirty = new Set(
    git('status', '--porcelain', '--', ...folders)
      .stdout.split('\n')
      .filter((l) => l.length > 3)
      .map((l) => l.slice(3).split('/')[0]),
  );
  return (
    `The services ran as built from commit ${head.stdout.trim()}` +
    (dirty.size ? `, with uncommitted changes in ${[...dirty].join(', ')}.` : '.')
  );
}

/** What to undo when the run is interrupted (Ctrl-C): services, helper processes, vhosts, databases. */
const cleanups: (() => Promise<unknown>)[] = [];
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping what the run started`);
    void Promise.allSettled(cleanups.reverse().map((c) => c())).then(() => process.exit(130));
  });
}

const sustained = (s: StepResult) => Math.min(s.acceptedPerS, s.saga?.perS ?? s.acceptedPerS);

async function main(): Promise<void> {
  const config: BenchConfig = parseConfig(process.env);
  // One pool setting for every database client of the run: services, naive apps, driver baseline.
  if (process.env.MONGODB_URI)
    process.env.MONGODB_URI = withPool(process.env.MONGODB_URI, config.pool);
  const infra = infraEnv();
  mkdirSync(RESULTS_DIR, { recursive: true });
  mkdirSync(WORK_DIR, { recursive: true });
  const steps: StepResult[] = [];
  const profiles: ProfileSummary[] = [];
  const dbOperations: DbOperationCost[] = [];
  const databasePid = pidListeningOn(
    Number(new URL(infra.mongoUri.replace(/^mongodb:/, 'http:')).port || 27017),
  );
  const durability = ferretDbDurability(databasePid);
  const notes: string[] = [
    `Every database client (services, naive apps, driver baseline) uses the same pool: ${config.pool === 'default' ? 'the driver’s default (maxPoolSize 100)' : `maxPoolSize=${config.pool}`}.`,
    `Durability, the same for every pipeline (one database server): ${durability}.`,
    'Interleaved rounds: reliable, seed-shaped naive, equal-work naive and the driver ceiling take turns at the same concurrency, round after round; the tables give the median and the spread (min–max) over the rounds.',
    'The driver ceiling runs in a process of its own (the driver and the same order document), not in the bench process.',
    'The load client (autocannon), the broker tap and the report run in the bench process on the same machine; its CPU is listed as "bench client" and is not part of any CPU-ms per saga.',
    'Database commands per order count every client of the server in the step (serverStatus), split by kind: reads (find, aggregate, count, getMore), writes (insert, update, findAndModify), deletes. The split by process counts what each service or app sent (its OP_MSG frames, counted by a module preloaded with NODE_OPTIONS).',
    'Saga latency: from the time stamped on the order-created event to the outcome event reaching the broker (a tap queue bound to # in the run’s vhost). Sagas/s: completed sagas of the step over the time from its start to its last completion.',
    'The notification service mails to a discarding SMTP server of the run, not to the shared Mailpit.',
  ];
  const origin = provenance();
  if (origin) notes.push(origin);
  const loadAverageAtStart = loadavg();
  log(
    `settings: ${JSON.stringify({ ...config, parts: [...config.parts] })}; load average ${loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const failed = (part: string, err: unknown) => {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    log(`${part} failed: ${message}`);
    notes.push(`The ${part} part failed and its remaining steps are missing: ${message}`);
  };
  const infraProcesses = () => infraPids(infra);
  const sharedPids = () => new Map(infraPids(infra).filter(([name]) => name !== 'bench client'));
  const counter = await DbCommandCounter.connect(infra.mongoUri);
  // Services and naive apps count the commands they send (db-tap.ts), for the split by process.
  const tapDir = join(WORK_DIR, `db-tap-${Date.now()}`);
  mkdirSync(tapDir, { recursive: true });
  process.env.BENCH_DB_TAP_DIR = tapDir;
  const tapRequire = `--require ${join(__dirname, 'db-tap.js')}`;
  const tapEnv = { NODE_OPTIONS: tapRequire, BENCH_DB_TAP_DIR: tapDir };
  cleanups.push(async () => rmSync(tapDir, { recursive: true, force: true }));
  const dbCommands = () => counter.total();

  // (a) the HTTP ceiling
  if (config.parts.has('http')) {
    try {
      const server = await Child.start(
        'bare-fastify',
        join(__dirname, 'baselines', 'bare-http-server.js'),
        {},
      );
      cleanups.push(() => server.stop());
      const meter = new UsageMeter(
        new Map([
          ['bare-fastify', server.pid],
          ['bench client', process.pid],
        ]),
      );
      const body = JSON.stringify({ items: [{ sku: 'BENCH-000001', quantity: 1 }] });
      try {
        for (const connections of config.steps) {
          meter.start();
          const load = await runLoad({
            url: `http://127.0.0.1:${server.firstLine}`,
            path: '/orders',
            connections,
            durationS: config.durationS,
            request: () => ({ headers: { 'content-type': 'application/json' }, body }),
          });
          const step = plainResult(
            { pipeline: 'bare-http', kind: 'ramp', connections },
            load,
            meter.stop(),
          );
          steps.push(step);
          log(line(step));
        }
      } finally {
        await server.stop();
      }
    } catch (err) {
      failed('http', err);
    }
  }

  // (a') what each kind of database operation costs the database, nothing else running
  if (config.parts.has('dbops')) {
    try {
      if (databasePid === undefined) throw new Error('no process listens on the database port');
      log('database cost per operation kind');
      dbOperations.push(
        ...(await measureDbOperations({
          mongoUri: infra.mongoUri,
          database: `bench_${Date.now()}_dbops`,
          databasePid,
          connections: config.roundConnections,
          count: 2000,
        })),
      );
      for (const c of dbOperations) {
        log(
          `  ${c.operation}: ${c.perS.toFixed(0)}/s, ${c.dbCpuMs.toFixed(2)} database and ${c.clientCpuMs?.toFixed(2) ?? '–'} client CPU-ms each`,
        );
      }
    } catch (err) {
      failed('dbops', err);
    }
  }

  // The system under test
  let orderTemplate: Document | undefined;
  const wantsSystem = ['reliable', 'profile', 'data', 'driver', 'naive', 'rounds', 'spike'].some(
    (p) => config.parts.has(p as never),
  );
  if (wantsSystem) {
    try {
      const sink = await SmtpSink.start();
      process.env.SMTP_URL = sink.url;
      log('starting the three services (e2e harness: own vhost and databases)');
      cleanups.push(() => sink.stop());
      const reliable = await ReliableSystem.start(WORK_DIR, tapEnv);
      cleanups.push(() => reliable.dispose());
      const runId = reliable.system.runId;
      let tap: SagaTap | undefined;
      try {
        log(`seeding ${config.products} products through the inventory admin API`);
        await reliable.seedCatalog(0, config.products);
        tap = await SagaTap.open(reliable.amqpUrl(), 'eventshop.events', cloudEvents);
        const queued = brokerBacklog(infra.managementUrl, reliable.amqpUrl());
        const serviceMeter = () =>
          new UsageMeter(
            new Map([
              ['order', reliable.pidOf('order-service')!],
              ['inventory', reliable.pidOf('inventory-service')!],
              ['notification', reliable.pidOf('notification-service')!],
              ...infraProcesses(),
            ]),
          );
        const load = {
          url: reliable.orderUrl,
          path: '/orders',
          request: () => reliable.request(),
          durationS: config.durationS,
        };
        let peakStep: StepResult | undefined;
        if (
          config.parts.has('reliable') ||
          config.parts.has('data') ||
          config.parts.has('profile')
        ) {
          for (const connections of config.steps) {
            const step = await sagaStep(
              { pipeline: 'reliable', kind: 'ramp', connections },
              load,
              tap,
              serviceMeter(),
              config.drainTimeoutS,
              dbCommands,
              sharedPids,
              queued,
            );
            steps.push(step);
            log(line(step));
          }
          // The peak the system sustains end to end: orders accepted AND sagas completed.
          peakStep = peak(rampSteps({ steps }, 'reliable'), sustained);
        }
        if (peakStep && (config.parts.has('reliable') || config.parts.has('data'))) {
          const counts = await reliable.inspect();
          const half = await sagaStep(
            {
              pipeline: 'reliable',
              kind: 'half-peak',
              connections: peakStep.connections,
              overallRate: Math.max(1, sustained(peakStep) / 2),
            },
            load,
            tap,
            serviceMeter(),
            config.drainTimeoutS,
            dbCommands,
            sharedPids,
            queued,
          );
          steps.push({ ...half, data: counts });
          log(line(half));
        }
        if (tap.firstCreated) orderTemplate = await reliable.orderDocument(tap.firstCreated);

        // (b) the database ceiling, from a process of its own, while the services idle
        const driverStep = async (kind: 'ramp' | 'round', connections: number, round?: number) => {
          const template = orderTemplate ?? { status: 'PENDING', lines: [], outbox: [] };
          const { load: result, usage } = await driverInsertStep({
            mongoUri: infra.mongoUri,
            database: `bench_${runId}_driver`,
            template,
            connections,
            durationS: config.durationS,
            workDir: WORK_DIR,
            meter: (pid) => new UsageMeter(new Map([['driver-insert', pid], ...infraProcesses()])),
          });
          const step = {
            ...plainResult({ pipeline: 'driver-insert', kind, connections }, result, usage),
            ...(round ? { round } : {}),
          };
          steps.push(step);
          log(line(step));
        };

        // (c) the naive pipelines beside the system, and the interleaved rounds
        if (config.parts.has('naive') || config.parts.has('rounds')) {
          if (tap.firstCreated) orderTemplate = await reliable.orderDocument(tap.firstCreated);
          const naives: {
            pipeline: 'naive' | 'naive-equal';
            naive: NaivePipeline;
            tap: SagaTap;
            queued: () => Promise<number>;
          }[] = [];
          try {
            for (const [pipeline, variant] of [
              ['naive', { equalWork: false }],
              ['naive-equal', { equalWork: true, smtpUrl: sink.url }],
            ] as const satisfies readonly (readonly [string, NaiveVariant])[]) {
              log(
                `starting the ${pipeline} pipeline (ClientProxy.emit over RMQ, no outbox, confirms or idempotency)`,
              );
              const naive = await NaivePipeline.start(
                infra,
                `${pipeline === 'naive' ? 's' : 'e'}${Math.random().toString(16).slice(2, 8)}`,
                config.products,
                variant,
                tapEnv,
              );
              cleanups.push(() => naive.dispose());
              const naiveTap = await SagaTap.open(naive.amqpUrl, NAIVE_EXCHANGE, nestPackets);
              naives.push({
                pipeline,
                naive,
                tap: naiveTap,
                queued: brokerBacklog(infra.managementUrl, naive.amqpUrl),
              });
            }
            const naiveStep = (
              n: (typeof naives)[number],
              kind: 'ramp' | 'round',
              connections: number,
            ) =>
              sagaStep(
                { pipeline: n.pipeline, kind, connections },
                {
                  url: n.naive.orderUrl,
                  path: '/orders',
                  request: () => n.naive.request(),
                  durationS: config.durationS,
                },
                n.tap,
                new UsageMeter(new Map([...n.naive.pids, ...infraProcesses()])),
                config.drainTimeoutS,
                dbCommands,
                sharedPids,
                n.queued,
              );
            if (config.parts.has('naive')) {
              for (const n of naives) {
                for (const connections of config.steps) {
                  const step = await naiveStep(n, 'ramp', connections);
                  steps.push(step);
                  log(line(step));
                }
              }
            }
            if (config.parts.has('rounds')) {
              const c = config.roundConnections;
              for (let round = 1; round <= config.rounds; round++) {
                log(`round ${round} of ${config.rounds} at c=${c}`);
                const mine = await sagaStep(
                  { pipeline: 'reliable', kind: 'round', connections: c },
                  load,
                  tap,
                  serviceMeter(),
                  config.drainTimeoutS,
                  dbCommands,
                  sharedPids,
                  queued,
                );
                steps.push({ ...mine, round });
                log(line(mine));
                for (const n of naives) {
                  const step = await naiveStep(n, 'round', c);
                  steps.push({ ...step, round });
                  log(line(step));
                }
                await driverStep('round', c, round);
              }
            }
          } finally {
            for (const n of naives) {
              await n.tap.close();
              await n.naive.dispose();
            }
          }
        }

        // (d) the traffic spike: N× the sustainable rate, then back to it
        if (config.parts.has('spike')) {
          const rounds = steps.filter((s) => s.pipeline === 'reliable' && s.kind === 'round');
          const sustainable = rounds.length
            ? spread(rounds.map(sustained)).median
            : peakStep
              ? sustained(peakStep)
              : Number.NaN;
          if (Number.isFinite(sustainable) && sustainable > 0) {
            log(
              `spike: ${config.spikeFactor}× ${sustainable.toFixed(1)}/s for ${config.spikeS} s, then ${sustainable.toFixed(1)}/s for ${config.spikeS} s`,
            );
            const phases = await spikeSteps(
              {
                sustainablePerS: sustainable,
                factor: config.spikeFactor,
                durationS: config.spikeS,
                drainTimeoutS: Math.max(120, config.spikeS * config.spikeFactor),
              },
              load,
              tap,
              serviceMeter(),
              queued,
            );
            for (const p of phases) {
              steps.push(p);
              log(
                `${line(p)}; ${p.serverErrors ?? 0} 5xx, drained ${p.saga?.drainS?.toFixed(1) ?? '–'} s after the phase`,
              );
            }
          } else {
            notes.push(
              'The spike needs a sustainable rate (the reliable ramp or rounds): not run.',
            );
          }
        }

        if (config.parts.has('driver')) {
          for (const connections of config.steps) await driverStep('ramp', connections);
        }

        // A CPU profile of the three services at the peak concurrency
        if (peakStep && config.parts.has('profile')) {
          const services: ServiceName[] = [
            'order-service',
            'inventory-service',
            'notification-service',
          ];
          log('restarting the services with --cpu-prof');
          const dirOf = (name: ServiceName) => join(WORK_DIR, `profile-${runId}-${name}`);
          const envs = await reliable.stop(services);
          await reliable.startAgain(envs, (name) => ({
            NODE_OPTIONS: `${tapRequire} --cpu-prof --cpu-prof-dir=${dirOf(name)}`,
          }));
          const step = await sagaStep(
            { pipeline: 'reliable', kind: 'profile', connections: peakStep.connections },
            { ...load, url: reliable.orderUrl },
            tap,
            serviceMeter(),
            config.drainTimeoutS,
            dbCommands,
            sharedPids,
            queued,
          );
          steps.push(step);
          log(line(step));
          await reliable.stop(services);
          for (const service of services) {
            const dir = dirOf(service);
            const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
            if (!file) continue;
            const summary = summarizeProfile(
              service,
              JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
              step.window && {
                fromUs: step.window.monotonicStartUs,
                toUs: step.window.monotonicEndUs,
              },
            );
            profiles.push(summary);
            log(
              `${service} profile: ${summary.idlePercent.toFixed(0)} % idle; top ${summary.top
                .slice(0, 5)
                .map((e) => `${e.functionName} ${e.selfPercent.toFixed(1)}%`)
                .join(', ')}`,
            );
          }
          await reliable.startAgain(envs);
        }

        // The half-peak step before and after growing products and orders N×, each time on
        // freshly started services (no backlog, same rate), so that only the data differs.
        const half = steps.find((s) => s.pipeline === 'reliable' && s.kind === 'half-peak');
        if (half && config.parts.has('data')) {
          const services: ServiceName[] = ['order-service', 'inventory-service'];
          const atHalfPeak = (kind: 'data-before' | 'data-after') =>
            sagaStep(
              {
                pipeline: 'reliable',
                kind,
                connections: half.connections,
                overallRate: half.targetRate ?? 1,
              },
              { ...load, url: reliable.orderUrl },
              tap!,
              serviceMeter(),
              config.drainTimeoutS,
              dbCommands,
              sharedPids,
              queued,
            );
          // Each step on freshly started services, measured in their steady state: after the
          // first pass of their start-up sweeps (the relay's start sweep and its recheck after
          // the 3 s lease; order-service's first pending-order pass 30 s after start, which loads
          // the due list and runs the backstop and the key sweep). On FerretDB each reads whole
          // collections (no secondary indexes): a cost at start that grows with the data, not a
          // cost per order. The wait is the same both times and printed.
          const settle = async (since: number) => {
            const database = sharedPids().get('ferretdb');
            if (database === undefined) return;
            const waited = await untilQuiet(database, { since, minS: SWEEPS_FIRST_PASS_S });
            log(
              `waited ${((performance.now() - since) / 1000).toFixed(0)} s after the restart ` +
                `(${waited.toFixed(0)} s for the start-up sweeps' first pass and a quiet database)`,
            );
          };
          let restarted = performance.now();
          await reliable.startAgain(await reliable.stop(services));
          const before = await reliable.inspect();
          await settle(restarted);
          const beforeStep = await atHalfPeak('data-before');
          steps.push({ ...beforeStep, data: before });
          log(line(beforeStep));
          const target = config.products * config.dataFactor;
          const more = before.orders * (config.dataFactor - 1);
          log(
            `data ×${config.dataFactor}: stopping order and inventory; writing products ` +
              `${config.products}..${target - 1} and ${more} confirmed orders with their reservations (units committed on the products)`,
          );
          const envs = await reliable.stop(services);
          await reliable.seedData(envs, { from: config.products, to: target }, more);
          restarted = performance.now();
          await reliable.startAgain(envs);
          const after = await reliable.inspect();
          await settle(restarted);
          const afterStep = await atHalfPeak('data-after');
          steps.push({ ...afterStep, data: after });
          log(line(afterStep));
        }
      } finally {
        await tap?.close();
        await counter.dropDatabase(`bench_${runId}_driver`);
        log('stopping the services');
        await reliable.dispose();
        await sink.stop();
      }
    } catch (err) {
      failed('system', err);
    }
  }

  await counter.close();
  rmSync(tapDir, { recursive: true, force: true });
  const run: RunResult = {
    startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
    elapsedS: (Date.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart,
    },
    settings: {
      BENCH_DURATION: config.durationS,
      BENCH_STEPS: config.steps.join(','),
      BENCH_PRODUCTS: config.products,
      BENCH_DATA_FACTOR: config.dataFactor,
      BENCH_PARTS: [...config.parts].join(','),
      BENCH_ROUNDS: config.rounds,
      BENCH_ROUND_CONNECTIONS: config.roundConnections,
      BENCH_POOL: config.pool,
      BENCH_SPIKE_DURATION: config.spikeS,
      BENCH_SPIKE_FACTOR: config.spikeFactor,
    },
    durability,
    steps,
    profiles,
    dbOperations,
    notes,
  };
  await writeResults(run, RESULTS_DIR, PACKAGE_DIR, log);
  console.log(`\n${targetTable(evaluateTargets(run))}\n\n${stepTable(run.steps)}\n`);
  log(`done in ${Math.round(run.elapsedS)} s; results in bench/results/`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
