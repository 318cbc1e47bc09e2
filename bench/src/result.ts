// What a run measures, as written to results/*.json.
import type { LatencySummary } from './stats';

/** naive: the seed-shaped pipeline; naive-equal: the same with the reliable system's work. */
export type Pipeline = 'reliable' | 'naive' | 'naive-equal' | 'bare-http' | 'driver-insert';

/**
 * ramp: a concurrency step; half-peak: rate-limited to half the peak; data-before/after: the
 * half-peak step on freshly started services before and after growing the data N×; profile: the
 * peak's concurrency under the CPU profiler.
 */
export type StepKind =
  | 'ramp'
  | 'half-peak'
  | 'data-before'
  | 'data-after'
  | 'profile'
  | 'round'
  | 'spike'
  | 'after-spike';

export interface ProcessUsage {
  readonly name: string;
  /** Percent of one core over the step (200 % = both cores of a 2-core machine). */
  readonly cpuPercent: number;
  /** CPU time over the step (to its drain), ms. */
  readonly cpuMs?: number;
  readonly rssMb: number;
}

export interface SagaResult {
  /** Orders accepted in the step that reached CONFIRMED (or REJECTED) before the drain timeout. */
  readonly completed: number;
  /** Accepted orders whose outcome was not seen before the drain timeout. */
  readonly missing: number;
  /** Completed sagas per second, from the step's start to its last completion. */
  readonly perS: number;
  /** Created (the order.created event's time) to confirmed (seen on the broker). */
  readonly latency: LatencySummary;
  /** Seconds from the end of the load to the last completion (the backlog's drain). */
  readonly drainS?: number;
}

export interface StepResult {
  readonly pipeline: Pipeline;
  readonly kind: StepKind;
  readonly connections: number;
  /** Requests per second asked for (rate-limited steps only). */
  readonly targetRate?: number;
  readonly durationS: number;
  readonly accepted: number;
  /** Non-2xx answers, errors and timeouts. */
  readonly failed: number;
  /** 5xx answers among failed. */
  readonly serverErrors?: number;
  /** 429 answers among failed: refused by a limit or shed under load. */
  readonly refused?: number;
  /** Requests among failed that got no answer (connection errors, the client's 30 s timeout). */
  readonly unanswered?: number;
  readonly acceptedPerS: number;
  /** Latency of the accepted requests (refusals answer quickly and create nothing). */
  readonly http: LatencySummary;
  readonly saga?: SagaResult;
  /** Messages published on the broker per second, step start to drain end. */
  readonly eventsPerS?: number;
  readonly processes: readonly ProcessUsage[];
  /** Database commands (all clients of the server) per accepted order, step start to drain end. */
  readonly dbCommandsPerOrder?: number;
  /** The same split by kind: reads, writes (insert, update, findAndModify), deletes, other. */
  readonly dbCommandsByKind?: {
    readonly read: number;
    readonly write: number;
    readonly delete: number;
    readonly other: number;
  };
  /** Per accepted order by the process that sent them (processes started with the db tap). */
  readonly dbCommandsByProcess?: Readonly<
    Record<
      string,
      {
        readonly read: number;
        readonly write: number;
        readonly delete: number;
        readonly other: number;
      }
    >
  >;
  /** Which round of the interleaved comparison (kind 'round'). */
  readonly round?: number;
  /** The step on the machine's monotonic clock (µs), to cut CPU profiles to it. */
  readonly window?: { readonly monotonicStartUs: number; readonly monotonicEndUs: number };
  /** What disturbed the step (the shared broker or database restarted during it). */
  readonly disturbed?: string;
  /** Documents in the database when the step ran (data steps). */
  readonly data?: { readonly products: number; readonly orders: number };
}

export interface ProfileEntry {
  readonly functionName: string;
  readonly location: string;
  /** The caller that accounts for most of its self time. */
  readonly calledFrom: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly service: string;
  readonly sampledMs: number;
  /** Share of samples in which the process was idle (waiting for I/O). */
  readonly idlePercent: number;
  readonly top: readonly ProfileEntry[];
  /** Self time by package; Node's builtins count to the package (or service code) that called them. */
  readonly byPackage?: readonly { name: string; selfMs: number; selfPercent: number }[];
}

/** What one operation of a kind costs the database (the dbops part). */
export interface DbOperationCost {
  readonly operation: string;
  readonly perS: number;
  /** The database process's CPU-ms per operation (per document or statement of a batch). */
  readonly dbCpuMs: number;
  /** The calling process's CPU-ms per operation: the driver's work and its socket calls. */
  readonly clientCpuMs?: number;
}

export interface RunResult {
  readonly startedAt: string;
  readonly elapsedS: number;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly loadAverageAtStart: readonly number[];
  };
  readonly settings: Record<string, unknown>;
  /** The database's commit durability, shared by every pipeline of the run. */
  readonly durability?: string;
  readonly steps: readonly StepResult[];
  readonly profiles: readonly ProfileSummary[];
  /** The database's CPU per operation of each kind (the dbops part). */
  readonly dbOperations?: readonly DbOperationCost[];
  readonly notes: readonly string[];
}
