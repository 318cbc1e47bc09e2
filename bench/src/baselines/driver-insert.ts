// The database ceiling: the MongoDB driver inserting the same order document (a fresh _id each
// time) as fast as `connections` concurrent callers can, from a process of its own (not beside the
// bench's load client), with the run's pool setting like every other client.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BSON, MongoClient, type Document } from 'mongodb';
import { Child } from '../child';
import type { LoadResult } from '../load';
import type { UsageMeter } from '../proc';

/** Runs one step in a fresh driver process; `meter` gets its pid as 'driver-insert'. */
export async function driverInsertStep(options: {
  mongoUri: string;
  database: string;
  template: Document;
  connections: number;
  durationS: number;
  workDir: string;
  meter: (pid: number) => UsageMeter;
}): Promise<{ load: LoadResult; usage: ReturnType<UsageMeter['stop']> }> {
  const resultFile = join(options.workDir, `driver-${randomUUID()}.json`);
  const child = await Child.start('driver-insert', __filename, {
    MONGODB_URI: options.mongoUri,
    BENCH_DRIVER_DB: options.database,
    BENCH_DRIVER_TEMPLATE: BSON.EJSON.stringify(options.template),
    BENCH_DRIVER_CONNECTIONS: String(options.connections),
    BENCH_DRIVER_DURATION: String(options.durationS),
    BENCH_DRIVER_RESULT: resultFile,
  });
  const meter = options.meter(child.pid);
  meter.start();
  const code = await child.exited();
  const usage = meter.stop();
  if (code !== 0) throw new Error(`the driver process exited with ${String(code)}`);
  // The driver process reports its own CPU and memory: it has exited when the meter stops.
  const { cpuMs, rssMb, ...load } = JSON.parse(readFileSync(resultFile, 'utf8')) as LoadResult & {
    cpuMs: number;
    rssMb: number;
  };
  rmSync(resultFile, { force: true });
  const own = {
    name: 'driver-insert',
    cpuPercent: (100 * cpuMs) / (load.endedAt - load.startedAt),
    cpuMs,
    rssMb,
  };
  return { load, usage: [own, ...usage.filter((u) => u.name !== 'driver-insert')] };
}

async function insertLoad(
  client: MongoClient,
  database: string,
  template: Document,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const orders = client.db(database).collection('orders');
  const latencies: number[] = [];
  let accepted = 0;
  let failed = 0;
  const startedAt = Date.now();
  const deadline = startedAt + durationS * 1000;
  const caller = async () => {
    while (Date.now() < deadline) {
      const t0 = performance.now();
      try {
        await orders.insertOne({ ...template, _id: randomUUID() as never });
        accepted++;
      } catch {
        failed++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  const endedAt = Date.now();
  return {
    accepted,
    failed,
    serverErrors: 0,
    refused: 0,
    unanswered: 0,
    durationS: (endedAt - startedAt) / 1000,
    latencies,
    startedAt,
    endedAt,
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const client = new MongoClient(env.MONGODB_URI!, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const database = env.BENCH_DRIVER_DB!;
  const template = BSON.EJSON.parse(env.BENCH_DRIVER_TEMPLATE!) as Document;
  // A warm pool before the clock starts, as the services' pools are.
  await client.db(database).command({ ping: 1 });
  process.stdout.write('ready\n');
  const cpuBefore = process.cpuUsage();
  const result = await insertLoad(
    client,
    database,
    template,
    Number(env.BENCH_DRIVER_CONNECTIONS),
    Number(env.BENCH_DRIVER_DURATION),
  );
  const cpu = process.cpuUsage(cpuBefore);
  writeFileSync(
    env.BENCH_DRIVER_RESULT!,
    JSON.stringify({
      ...result,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: process.memoryUsage().rss / 1024 / 1024,
    }),
  );
  await client.close();
}

if (require.main === module) {
  void main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(String(err));
      process.exit(1);
    },
  );
}
