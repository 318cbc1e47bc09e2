// Verifies Bearer JWTs with jose: signature (JWKS in production, a shared HS256 secret for local
// runs), issuer, audience, expiry. Framework-free so it can move into service-kit.
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
  /** One of the two: keys from a JWKS endpoint, or a shared secret (development only). */
  readonly jwksUrl?: string;
  readonly hs256Secret?: string;
  readonly clockToleranceSeconds?: number;
}

export interface Principal {
  readonly userId: string;
  readonly roles: readonly string[];
}

export class AuthenticationError extends Error {}

const ASYMMETRIC = [
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

export class JwtVerifier {
  private readonly verifyWithKey: (token: string, options: JWTVerifyOptions) => Promise<JWTPayload>;
  private readonly algorithms: string[];

  constructor(private readonly config: AuthConfig) {
    if (config.jwksUrl !== undefined) {
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl));
      this.verifyWithKey = async (token, options) =>
        (await jwtVerify(token, keys, options)).payload;
      this.algorithms = ASYMMETRIC;
    } else if (config.hs256Secret !== undefined) {
      const secret = new TextEncoder().encode(config.hs256Secret);
      this.verifyWithKey = async (token, options) =>
        (await jwtVerify(token, secret, options)).payload;
      this.algorithms = ['HS256'];
    } else {
      throw new Error('auth needs AUTH_JWKS_URL or AUTH_HS256_SECRET');
    }
  }

  /** The principal of a valid token; AuthenticationError with a short reason otherwise. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyWithKey(token, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.config.clockToleranceSeconds ?? 5,
      });
    } catch (error) {
      throw new AuthenticationError(describe(error));
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) {
      throw new AuthenticationError('token subject is missing or too long');
    }
    return { userId: sub, roles: readRoles(payload['roles']) };
  }
}

function readRoles(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter((r) => r.length > 0);
  return [];
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `token claim "${error.claim}" is not acceptable`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'token signature is not valid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token key is not known';
  return 'token is not valid';
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header)?.[1];
}
