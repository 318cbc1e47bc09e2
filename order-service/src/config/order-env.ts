// The order service's own env variables, validated at start together with the kit's.
import { authEnv, env, type KitConfig } from '@eventshop/service-kit';

export const orderEnv = {
  /** AUTH_ISSUER, AUTH_AUDIENCE and one key source: AUTH_JWKS_URL or AUTH_HS256_SECRET. */
  ...authEnv,
  /** A PENDING order older than this is rejected (reason timeout) and cancelled. */
  ORDER_PENDING_TIMEOUT: env.duration({ default: '15m', min: 100 }),
  /** POST /orders per customer (or per client address without a valid token) per window, per
   * replica: the answer beyond it is 429 with Retry-After. */
  ORDER_RATE_LIMIT: env.int({ default: 30, min: 1 }),
  ORDER_RATE_WINDOW: env.duration({ default: '1m', min: 1000 }),
  /** New orders are refused (429 with Retry-After) while the delay a new order can expect from
   * creation to inventory's answer is over this (decision 0038); 0 never refuses. */
  ORDER_MAX_SAGA_DELAY: env.duration({ default: '10s', min: 0 }),
  /** PENDING orders a customer may hold at once, across replicas. */
  ORDER_MAX_OPEN_PER_USER: env.int({ default: 20, min: 1 }),
} as const;

export type OrderConfig = KitConfig<typeof orderEnv>;

/** Sweep a few times per timeout: at most every 30 s, at least every 100 ms. */
export function sweepIntervalFor(pendingTimeoutMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(pendingTimeoutMs / 4)));
}

/**
 * How often the sweep's backstop query runs where it is a collection scan (FerretDB): once per
 * timeout, at least every second, at most every 5 minutes. An order only the backstop finds
 * (its replica died) expires this much late at most.
 */
export function backstopIntervalFor(pendingTimeoutMs: number): number {
  return Math.min(5 * 60_000, Math.max(1_000, pendingTimeoutMs));
}
