// JWTs as an identity provider would issue them to the suite's users, signed with the run's
// HS256 secret; the overrides make the tokens the services must refuse.
import { SignJWT } from 'jose';
import type { Auth } from './system';

export interface TokenOptions {
  readonly email?: string;
  readonly roles?: readonly string[];
  readonly audience?: string;
  readonly issuer?: string;
  readonly secret?: string;
  /** Seconds from now; negative for a token that has expired. */
  readonly expiresInSeconds?: number;
}

export class Tokens {
  constructor(private readonly auth: Auth) {}

  async forUser(userId: string, options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { roles: [...(options.roles ?? [])] };
    if (options.email !== undefined) claims.email = options.email;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(options.issuer ?? this.auth.issuer)
      .setAudience(options.audience ?? this.auth.audience)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (options.expiresInSeconds ?? 600))
      .sign(new TextEncoder().encode(options.secret ?? this.auth.secret));
  }
}
