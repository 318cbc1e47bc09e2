// Verifies Bearer JWTs with jose: signature (JWKS in production, a shared HS256 secret for local
// runs), issuer, audience and expiry. A client sends the same token with every request until it
// expires, so a token once verified is taken as verified for a minute at most (never past its
// expiry) without checking its signature again.
import { LRUCache } from 'lru-cache';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';

export interface AuthConfig {
  issuer: string;
  audience: string;
  /** One of the two: keys from a JWKS endpoint, or a shared secret (development only). */
  jwksUrl?: string;
  hs256Secret?: string;
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockToleranceSeconds?: number;
}

export interface Principal {
  userId: string;
  /** The `email` claim, unless the identity provider says it is not verified. */
  email?: string;
  roles: string[];
}

export class AuthenticationError extends Error {}

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const MAX_USER_ID_LENGTH = 200;

export interface VerifiedTokenCache {
  /** How long a verified token is trusted without a new signature check; 0 turns it off. */
  ttlMs: number;
  /** Tokens remembered at most (the least recently used go first). */
  max: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * A minute: a key withdrawn from the JWKS stops being trusted within it (jose itself keeps the
 * fetched keys for ten).
 */
export const VERIFIED_TOKENS: VerifiedTokenCache = { ttlMs: 60_000, max: 10_000 };

interface Verified {
  readonly principal: Principal;
  /** The token's expiry or the end of its time in the cache, whichever is earlier. */
  readonly trustedUntilMs: number;
}

export class JwtVerifier {
  private readonly key: JWTVerifyGetKey | Uint8Array;
  private readonly algorithms: string[];
  private readonly now: () => number;
  private readonly verified: LRUCache<string, Verified> | undefined;

  constructor(
    private readonly config: AuthConfig,
    private readonly cache: VerifiedTokenCache = VERIFIED_TOKENS,
  ) {
    this.now = cache.now ?? Date.now;
    this.verified = cache.ttlMs > 0 ? new LRUCache({ max: cache.max }) : undefined;
    if (config.jwksUrl !== undefined) {
      assertSecureJwksUrl(config.jwksUrl);
      this.key = createRemoteJWKSet(new URL(config.jwksUrl));
      this.algorithms = ASYMMETRIC_ALGORITHMS;
    } else if (config.hs256Secret !== undefined) {
      this.key = new TextEncoder().encode(config.hs256Secret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('AuthConfig needs jwksUrl or hs256Secret');
    }
  }

  /** The principal of a valid token; AuthenticationError with a short reason otherwise. */
  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const known = this.verified?.get(token);
    if (known !== undefined && now < known.trustedUntilMs) return known.principal;
    const fresh = await this.verifyNow(token, now);
    this.verified?.set(token, fresh);
    return fresh.principal;
  }

  private async verifyNow(token: string, now: number): Promise<Verified> {
    const clockTolerance = this.config.clockToleranceSeconds ?? 5;
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance,
        currentDate: new Date(now),
      };
      // Two calls rather than a union argument: jose overloads on the key's type.
      payload =
        this.key instanceof Uint8Array
          ? (await jwtVerify(token, this.key, options)).payload
          : (await jwtVerify(token, this.key, options)).payload;
    } catch (err) {
      throw new AuthenticationError(describeJoseError(err));
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_USER_ID_LENGTH) {
      throw new AuthenticationError('token subject is missing or too long');
    }
    // An address the identity provider has not verified may be anyone's: never use it.
    const verified = payload['email_verified'] !== false && payload['email_verified'] !== 'false';
    const email = verified && typeof payload['email'] === 'string' ? payload['email'] : undefined;
    // Shared by every request the cache answers: frozen, so none can change it for the others.
    const principal: Principal = Object.freeze({
      userId: sub,
      ...(email !== undefined ? { email } : {}),
      roles: Object.freeze(readRoles(payload['roles'])) as string[],
    });
    const expiresMs = ((payload.exp ?? 0) + clockTolerance) * 1000;
    return { principal, trustedUntilMs: Math.min(expiresMs, now + this.cache.ttlMs) };
  }
}

/**
 * Keys fetched over plain http can be swapped by anyone on the path: https only, except on a
 * loopback address (a local identity provider in development).
 */
export function assertSecureJwksUrl(url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  if (parsed.protocol === 'http:' && loopback) return;
  throw new Error(
    `the JWKS URL must use https:// (plain http only on a loopback address), got ${parsed.protocol}//${parsed.host}`,
  );
}

function readRoles(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter((r) => r.length > 0);
  return [];
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return `token claim "${err.claim}" is not acceptable`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'token signature is not valid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'token key is not known';
  if (err instanceof joseErrors.JOSEError) return 'token is not valid';
  return 'token could not be verified';
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(header);
  return match?.[1];
}
