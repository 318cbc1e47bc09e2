import { baseEnv, type BaseEnv } from './base-env';
import { ConfigError } from './config-error';
import type { EnvSchema, EnvValues } from './env';

/** The validated configuration of a service: the kit's variables plus its own. */
export type KitConfig<S extends EnvSchema = Record<never, never>> = EnvValues<BaseEnv> &
  EnvValues<S>;

/**
 * Reads and validates every variable of the base schema plus `schema` from `source`.
 * Throws a `ConfigError` for the first bad or missing variable, in declaration order.
 */
export function loadConfig<S extends EnvSchema>(
  schema: S = {} as S,
  source: NodeJS.ProcessEnv = process.env,
): KitConfig<S> {
  const all: EnvSchema = { ...baseEnv, ...schema };
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(all)) {
    const given = source[name];
    const raw = given === undefined || given.trim() === '' ? spec.fallback : given;
    if (raw === undefined) {
      if (spec.optional) {
        out[name] = undefined;
        continue;
      }
      throw new ConfigError(name, 'is required but not set');
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      throw new ConfigError(name, spec.secret ? problem.replace(raw, '<secret>') : problem);
    }
  }
  return Object.freeze(out) as KitConfig<S>;
}
