// The order service's own settings, from the environment. Pure: returns the errors, one line
// each, so start-up can stop with a clear message.
import type { AuthConfig } from '../http/auth/jwt-verifier';

export interface OrderServiceConfig {
  port: number;
  mongodbUri: string;
  amqpUrl: string;
  logLevel: string;
  auth: AuthConfig;
  pendingTimeoutMs: number;
  /** How often the sweepers look for overdue orders and expired idempotency keys. */
  sweepIntervalMs: number;
}

export const DEFAULT_PENDING_TIMEOUT_MS = 15 * 60 * 1000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `500ms`, `30s`, `15m`, `1h`, or a bare number of seconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] as number;
  const ms = n * unit;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

export function loadOrderConfig(
  env: Record<string, string | undefined>,
): { ok: true; config: OrderServiceConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const required = (name: string): string => {
    const v = env[name];
    if (v === undefined || v.trim() === '') {
      errors.push(`${name} is required`);
      return '';
    }
    return v.trim();
  };
  const url = (name: string, protocols: string[]): string => {
    const v = required(name);
    if (v === '') return v;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) {
        errors.push(`${name} must be a ${protocols.join(' or ')} URL`);
      }
    } catch {
      errors.push(`${name} is not a URL`);
    }
    return v;
  };

  const portText = env['PORT'] ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    errors.push('PORT must be a number from 1 to 65535');
  }
  const mongodbUri = url('MONGODB_URI', ['mongodb:', 'mongodb+srv:']);
  const amqpUrl = url('AMQP_URL', ['amqp:', 'amqps:']);
  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    errors.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const issuer = required('AUTH_ISSUER');
  const audience = required('AUTH_AUDIENCE');
  const jwksUrl = env['AUTH_JWKS_URL']?.trim() || undefined;
  const hs256Secret = env['AUTH_HS256_SECRET'] || undefined;
  if (jwksUrl !== undefined && hs256Secret !== undefined) {
    errors.push('set AUTH_JWKS_URL or AUTH_HS256_SECRET, not both');
  } else if (jwksUrl === undefined && hs256Secret === undefined) {
    errors.push('AUTH_JWKS_URL or AUTH_HS256_SECRET is required');
  } else if (jwksUrl !== undefined) {
    url('AUTH_JWKS_URL', ['https:', 'http:']);
  } else if (hs256Secret !== undefined && Buffer.byteLength(hs256Secret) < 32) {
    errors.push('AUTH_HS256_SECRET must be at least 32 bytes');
  }

  let pendingTimeoutMs = DEFAULT_PENDING_TIMEOUT_MS;
  if (env['ORDER_PENDING_TIMEOUT'] !== undefined) {
    const parsed = parseDuration(env['ORDER_PENDING_TIMEOUT']);
    if (parsed === undefined) {
      errors.push('ORDER_PENDING_TIMEOUT must be a duration such as 15m, 90s or 500ms');
    } else pendingTimeoutMs = parsed;
  }
  // Sweep a few times per timeout, at most every 30 s, at least every 100 ms.
  const sweepIntervalMs = Math.min(30_000, Math.max(100, Math.floor(pendingTimeoutMs / 4)));

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      port,
      mongodbUri,
      amqpUrl,
      logLevel,
      auth: {
        issuer,
        audience,
        ...(jwksUrl !== undefined ? { jwksUrl } : {}),
        ...(hs256Secret !== undefined ? { hs256Secret } : {}),
      },
      pendingTimeoutMs,
      sweepIntervalMs,
    },
  };
}
