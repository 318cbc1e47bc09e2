// The order service's own env variables, validated at start together with the kit's.
import { ConfigError, env, type KitConfig } from '@eventshop/service-kit';
import type { AuthConfig } from '../http/auth/jwt-verifier';

export const orderEnv = {
  AUTH_ISSUER: env.str(),
  AUTH_AUDIENCE: env.str(),
  /** Production: keys from the identity provider's JWKS endpoint. */
  AUTH_JWKS_URL: env.url({ protocols: ['https', 'http'], optional: true }),
  /** Local runs: a shared HS256 secret (at least 32 bytes). */
  AUTH_HS256_SECRET: env.str({ optional: true, secret: true }),
  /** A PENDING order older than this is rejected (reason timeout) and cancelled. */
  ORDER_PENDING_TIMEOUT: env.duration({ default: '15m', min: 100 }),
} as const;

export type OrderConfig = KitConfig<typeof orderEnv>;

/** Exactly one key source; a ConfigError (one line at start) otherwise. */
export function authConfigFrom(config: OrderConfig): AuthConfig {
  const base = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
  if (config.AUTH_JWKS_URL !== undefined && config.AUTH_HS256_SECRET !== undefined) {
    throw new ConfigError('AUTH_JWKS_URL', 'and AUTH_HS256_SECRET are both set; set one');
  }
  if (config.AUTH_JWKS_URL !== undefined) return { ...base, jwksUrl: config.AUTH_JWKS_URL };
  if (config.AUTH_HS256_SECRET !== undefined) {
    if (Buffer.byteLength(config.AUTH_HS256_SECRET) < 32) {
      throw new ConfigError('AUTH_HS256_SECRET', 'must be at least 32 bytes');
    }
    return { ...base, hs256Secret: config.AUTH_HS256_SECRET };
  }
  throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_HS256_SECRET is required');
}

/** Sweep a few times per timeout: at most every 30 s, at least every 100 ms. */
export function sweepIntervalFor(pendingTimeoutMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(pendingTimeoutMs / 4)));
}
