import { SignJWT } from 'jose';

export const TEST_ISSUER = 'https://auth.eventshop.test/';
export const TEST_AUDIENCE = 'eventshop-orders';
export const TEST_SECRET = 'test-secret-of-at-least-thirty-two-bytes!';

export interface TokenOptions {
  sub?: string;
  email?: string | null;
  roles?: string[];
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  secret?: string;
}

export async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const sub = options.sub ?? 'alice';
  const claims: Record<string, unknown> = { roles: options.roles ?? [] };
  if (options.email !== null) claims['email'] = options.email ?? `${sub}@example.com`;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setIssuedAt(now - 120)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}
