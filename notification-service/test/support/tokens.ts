import { SignJWT } from 'jose';

export const TEST_AUTH = {
  issuer: 'https://auth.eventshop.test',
  audience: 'eventshop',
  hs256Secret: 'test-secret-of-at-least-thirty-two-bytes!!',
};

export async function token(
  claims: { sub?: string; roles?: string[]; email?: string },
  options: { expiresIn?: string | number; audience?: string; secret?: string } = {},
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(TEST_AUTH.issuer)
    .setAudience(options.audience ?? TEST_AUTH.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_AUTH.hs256Secret));
}
