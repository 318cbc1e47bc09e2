// Verifies Bearer JWTs with jose: signature (keys from a JWKS URL, or a shared HS256 secret for
// local runs), issuer, audience, expiry. Every service needs this; it lives here until it moves
// into the service kit, with the same shape as in the other services.

import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';

export interface AuthConfig {
  readonly issuer: string;
  readonly audience: string;
  /** Keys from a JWKS endpoint (production) … */
  readonly jwksUrl?: string;
  /** … or a shared secret (development only). */
  readonly hs256Secret?: string;
  readonly clockToleranceSeconds?: number;
}

export interface Principal {
  readonly userId: string;
  readonly email?: string;
  readonly roles: readonly string[];
}

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

export class JwtVerifier {
  private readonly verifyToken: (token: string) => Promise<JWTPayload>;

  constructor(config: AuthConfig) {
    const options: JWTVerifyOptions = {
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: config.clockToleranceSeconds ?? 5,
    };
    if (config.jwksUrl) {
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl));
      this.verifyToken = async (token) =>
        (await jwtVerify(token, keys, { ...options, algorithms: ASYMMETRIC })).payload;
    } else if (config.hs256Secret) {
      const secret = new TextEncoder().encode(config.hs256Secret);
      this.verifyToken = async (token) =>
        (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
    } else {
      throw new Error('authentication needs AUTH_JWKS_URL or AUTH_HS256_SECRET');
    }
  }

  /** The principal of a valid token; AuthenticationError with a short reason otherwise. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyToken(token);
    } catch (error) {
      throw new AuthenticationError(describe(error));
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
      throw new AuthenticationError('token subject is missing or too long');
    }
    const email = payload['email'];
    return {
      userId: payload.sub,
      ...(typeof email === 'string' ? { email } : {}),
      roles: readRoles(payload['roles']),
    };
  }
}

function readRoles(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `token claim "${error.claim}" is not acceptable`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'token signature is not valid';
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token key is not known';
  return 'token is not valid';
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header)?.[1];
}
