// The run's settings, from env. Every value has a default that keeps a full run at 5–8 minutes.

export interface BenchConfig {
  /** Seconds of load per step. */
  readonly durationS: number;
  /** Concurrent connections per step, rising. */
  readonly steps: readonly number[];
  /** Longest wait after a step for the sagas it started to finish. */
  readonly drainTimeoutS: number;
  /** Products in the catalog before the 10× data step. */
  readonly products: number;
  /** Multiplier of products and orders for the data-size step. */
  readonly dataFactor: number;
  /** Which parts to run (all by default). */
  readonly parts: ReadonlySet<Part>;
  /** Interleaved rounds (reliable, naive, equal-work naive, driver, then again) at one concurrency. */
  readonly rounds: number;
  readonly roundConnections: number;
  /** The database pool of EVERY client in the run: 'default' (the driver's) or a size. */
  readonly pool: 'default' | number;
  /** Seconds of the spike at spikeFactor × the sustainable rate. */
  readonly spikeS: number;
  readonly spikeFactor: number;
}

export const PARTS = [
  'http',
  'dbops',
  'driver',
  'reliable',
  'profile',
  'data',
  'naive',
  'rounds',
  'spike',
] as const;
export type Part = (typeof PARTS)[number];

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parseSteps(raw: string): number[] {
  const steps = raw.split(',').map((s) => s.trim());
  const values = steps.map(Number);
  if (
    steps.length === 0 ||
    values.some((v, i) => steps[i] === '' || !Number.isSafeInteger(v) || v <= 0)
  ) {
    throw new Error(
      `BENCH_STEPS must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`,
    );
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

export function parseParts(raw: string | undefined): Set<Part> {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return new Set(PARTS);
  const parts = raw.split(',').map((s) => s.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`BENCH_PARTS: unknown ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  }
  return new Set(parts as Part[]);
}

export function parsePool(raw: string | undefined): 'default' | number {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'default') return 'default';
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(
      `BENCH_POOL must be "default" or a positive integer, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** The URI with the run's pool setting, so that every pipeline's clients use the same. */
export function withPool(mongoUri: string, pool: 'default' | number): string {
  const url = new URL(mongoUri);
  if (pool === 'default') url.searchParams.delete('maxPoolSize');
  else url.searchParams.set('maxPoolSize', String(pool));
  return url.toString();
}

export function parseConfig(env: NodeJS.ProcessEnv): BenchConfig {
  return {
    durationS: positiveInt(env, 'BENCH_DURATION', 10),
    steps: parseSteps(env.BENCH_STEPS ?? '4,16,48'),
    drainTimeoutS: positiveInt(env, 'BENCH_DRAIN_TIMEOUT', 20),
    products: positiveInt(env, 'BENCH_PRODUCTS', 100),
    dataFactor: positiveInt(env, 'BENCH_DATA_FACTOR', 10),
    parts: parseParts(env.BENCH_PARTS),
    rounds: positiveInt(env, 'BENCH_ROUNDS', 3),
    roundConnections: positiveInt(env, 'BENCH_ROUND_CONNECTIONS', 16),
    pool: parsePool(env.BENCH_POOL),
    spikeS: positiveInt(env, 'BENCH_SPIKE_DURATION', 30),
    spikeFactor: positiveInt(env, 'BENCH_SPIKE_FACTOR', 10),
  };
}
