// One load step: autocannon against an HTTP endpoint for a fixed time at a fixed number of
// connections (closed loop), or at a fixed overall rate; every response's latency is kept.
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Requests per second over all connections; unset: as fast as the connections allow. */
  readonly overallRate?: number;
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  /** Headers and body of each request (called per request, so bodies and users vary). */
  readonly request?: () => { headers?: Record<string, string>; body?: string };
}

export interface LoadResult {
  readonly accepted: number;
  readonly failed: number;
  /** 5xx answers (part of failed). */
  readonly serverErrors: number;
  /** 429 answers: refused by a limit or shed under load (part of failed). */
  readonly refused: number;
  /** Requests without an answer: connection errors and the client's 30 s timeout (part of failed). */
  readonly unanswered: number;
  readonly durationS: number;
  /** Latencies of the accepted (2xx) requests, ms: a refusal's quick answer is no order. */
  readonly latencies: number[];
  readonly startedAt: number;
  readonly endedAt: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let accepted = 0;
  let rejected = 0;
  let serverErrors = 0;
  let refused = 0;
  const startedAt = Date.now();
  let finished!: (result: autocannon.Result) => void;
  let failedToRun!: (err: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failedToRun = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationS,
      ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      timeout: 30,
      requests: [
        {
          method: options.method ?? 'POST',
          path: options.path,
          setupRequest: (req) => {
            const extra = options.request?.() ?? {};
            return {
              ...req,
              headers: { ...req.headers, ...extra.headers },
              ...(extra.body !== undefined ? { body: extra.body } : {}),
            };
          },
        },
      ],
    },
    (err, result) => (err ? failedToRun(err) : finished(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      accepted++;
      latencies.push(responseTime);
    } else rejected++;
    if (statusCode >= 500) serverErrors++;
    if (statusCode === 429) refused++;
  });
  const result = await done;
  const endedAt = Date.now();
  return {
    accepted,
    failed: rejected + result.errors + result.timeouts,
    serverErrors,
    refused,
    unanswered: result.errors + result.timeouts,
    durationS: (endedAt - startedAt) / 1000,
    latencies,
    startedAt,
    endedAt,
  };
}
