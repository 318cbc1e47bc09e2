// Declarative env variables: each one parses a raw string into a typed value or says, in a few
// words, what is wrong with it. No library: the needs are small and the messages are ours.
import { isIP } from 'node:net';

export interface EnvVar<T> {
  /** Parses a present, non-empty raw value; throws an Error whose message says what is wrong. */
  readonly parse: (raw: string) => T;
  /** Used when the variable is unset or empty; `undefined` with `optional` means "may be absent". */
  readonly fallback?: string;
  readonly optional: boolean;
  /** Secrets are never echoed back in error messages. */
  readonly secret: boolean;
}

export type EnvSchema = Record<string, EnvVar<unknown>>;

/** The typed values of a schema: optional variables may be undefined. */
export type EnvValues<S extends EnvSchema> = {
  readonly [K in keyof S]: S[K] extends EnvVar<infer T>
    ? S[K]['optional'] extends true
      ? T | undefined
      : T
    : never;
};

interface Common<D> {
  /** Value used when the variable is unset or empty (parsed like a given value). */
  default?: D;
  /** Mark a credential: its value never appears in messages or logs. */
  secret?: boolean;
}

type Opt = { optional: true };

function make<T>(
  parse: (raw: string) => T,
  opts: Common<string | number | boolean> & { optional?: boolean },
): EnvVar<T> {
  return {
    parse,
    fallback: opts.default === undefined ? undefined : String(opts.default),
    optional: opts.optional ?? false,
    secret: opts.secret ?? false,
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `10s`, `5m`, `2h`, `1d`, or a bare number of milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new Error(`must be a duration such as 500ms, 10s, 5m or 1h (got "${raw}")`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
}

/** Formats milliseconds the way queue names show them: 500ms, 1s, 10s, 5m, 1h. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', UNITS.d!],
    ['h', UNITS.h!],
    ['m', UNITS.m!],
    ['s', UNITS.s!],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function str(opts: Common<string> & Opt & { pattern?: RegExp }): EnvVar<string> & Opt;
function str(opts?: Common<string> & { pattern?: RegExp }): EnvVar<string>;
function str(opts: Common<string> & { optional?: boolean; pattern?: RegExp } = {}): EnvVar<string> {
  return make((raw) => {
    if (opts.pattern && !opts.pattern.test(raw)) throw new Error(`must match ${opts.pattern}`);
    return raw;
  }, opts);
}

function url(opts: Common<string> & Opt & { protocols?: string[] }): EnvVar<string> & Opt;
function url(opts?: Common<string> & { protocols?: string[] }): EnvVar<string>;
function url(
  opts: Common<string> & { optional?: boolean; protocols?: string[] } = {},
): EnvVar<string> {
  return make((raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('must be an absolute URL');
    }
    const scheme = parsed.protocol.replace(/:$/, '');
    if (opts.protocols && !opts.protocols.includes(scheme)) {
      throw new Error(`must use ${opts.protocols.map((p) => `${p}://`).join(' or ')}`);
    }
    return raw;
  }, opts);
}

function int(opts: Common<number> & Opt & { min?: number; max?: number }): EnvVar<number> & Opt;
function int(opts?: Common<number> & { min?: number; max?: number }): EnvVar<number>;
function int(
  opts: Common<number> & { optional?: boolean; min?: number; max?: number } = {},
): EnvVar<number> {
  return make((raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer (got "${raw}")`);
    const n = Number(raw);
    if (opts.min !== undefined && n < opts.min) throw new Error(`must be >= ${opts.min}`);
    if (opts.max !== undefined && n > opts.max) throw new Error(`must be <= ${opts.max}`);
    return n;
  }, opts);
}

/** A duration in milliseconds, written as `500ms`, `10s`, `5m`, `1h`, `1d` or a bare number. */
function duration(opts: Common<string> & Opt & { min?: number }): EnvVar<number> & Opt;
function duration(opts?: Common<string> & { min?: number }): EnvVar<number>;
function duration(
  opts: Common<string> & { optional?: boolean; min?: number } = {},
): EnvVar<number> {
  return make((raw) => {
    const ms = parseDuration(raw);
    if (opts.min !== undefined && ms < opts.min) throw new Error(`must be at least ${opts.min}ms`);
    return ms;
  }, opts);
}

/** A comma-separated list of durations in milliseconds, e.g. `1s,10s,60s,5m`. */
function durations(opts: Common<string> = {}): EnvVar<number[]> {
  return make((raw) => {
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length === 0) throw new Error('must list at least one duration');
    return list.map(parseDuration);
  }, opts);
}

/**
 * A comma-separated list of IP addresses and CIDR ranges (`10.0.0.0/8,::1`); empty means none.
 */
function addresses(): EnvVar<string[]> {
  return make(
    (raw) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((entry) => {
          const [ip = '', bits, extra] = entry.split('/');
          const family = isIP(ip);
          const max = family === 4 ? 32 : 128;
          const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
          if (family === 0 || !validBits || extra !== undefined) {
            throw new Error(`must list IP addresses or CIDR ranges (got "${entry}")`);
          }
          return entry;
        }),
    { default: '' },
  );
}

function bool(opts: Common<boolean> = {}): EnvVar<boolean> {
  return make((raw) => {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    throw new Error('must be true or false');
  }, opts);
}

function oneOf<const V extends string>(
  values: readonly V[],
  opts: Common<V> & Opt,
): EnvVar<V> & Opt;
function oneOf<const V extends string>(values: readonly V[], opts?: Common<V>): EnvVar<V>;
function oneOf<const V extends string>(
  values: readonly V[],
  opts: Common<V> & { optional?: boolean } = {},
): EnvVar<V> {
  return make((raw) => {
    if (!values.includes(raw as V)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as V;
  }, opts);
}

/** Builders for a service's env schema (see `EventShopKitModule.forRoot({ env })`). */
export const env = { str, url, int, duration, durations, addresses, bool, oneOf } as const;
