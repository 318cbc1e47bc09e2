// The env variables of JWT authentication and the rule across two of them (exactly one key
// source), so a service spreads `authEnv` into its schema and passes `validate: validateAuthEnv`.
import { ConfigError } from '../../config/config-error';
import { env, type EnvValues } from '../../config/env';
import { assertSecureJwksUrl, type AuthConfig } from './jwt-verifier';

export const authEnv = {
  AUTH_ISSUER: env.str(),
  AUTH_AUDIENCE: env.str(),
  /** Production: keys from the identity provider's JWKS endpoint (https; http on loopback only). */
  AUTH_JWKS_URL: env.url({ protocols: ['https', 'http'], optional: true }),
  /** Local runs: a shared HS256 secret (at least 32 bytes). */
  AUTH_HS256_SECRET: env.str({ optional: true, secret: true }),
} as const;

export type AuthEnvValues = EnvValues<typeof authEnv>;

/** Exactly one key source, a long enough secret; a ConfigError (one line at start) otherwise. */
export function authConfigFrom(config: AuthEnvValues): AuthConfig {
  const base = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
  if (config.AUTH_JWKS_URL !== undefined && config.AUTH_HS256_SECRET !== undefined) {
    throw new ConfigError('AUTH_JWKS_URL', 'and AUTH_HS256_SECRET are both set; set one');
  }
  if (config.AUTH_JWKS_URL !== undefined) {
    try {
      assertSecureJwksUrl(config.AUTH_JWKS_URL);
    } catch {
      throw new ConfigError('AUTH_JWKS_URL', 'must use https:// (http only for a loopback host)');
    }
    return { ...base, jwksUrl: config.AUTH_JWKS_URL };
  }
  if (config.AUTH_HS256_SECRET !== undefined) {
    if (Buffer.byteLength(config.AUTH_HS256_SECRET) < 32) {
      throw new ConfigError('AUTH_HS256_SECRET', 'must be at least 32 bytes');
    }
    return { ...base, hs256Secret: config.AUTH_HS256_SECRET };
  }
  throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_HS256_SECRET is required');
}

/** For `KitOptions.validate`: runs the cross-variable rule at start. */
export function validateAuthEnv(config: AuthEnvValues): void {
  authConfigFrom(config);
}
