// HS256 JSON Web Tokens for the equal-work naive pipeline: the same check the services make
// (signature, expiry, issuer, audience, subject) at the same cost (one HMAC-SHA256 per request).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ISSUER = 'bench-naive';
export const AUDIENCE = 'eventshop';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function signHs256(secret: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const mac = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(mac)}`;
}

/** The token's claims when it is valid now; undefined otherwise. */
export function verifyHs256(
  secret: string,
  token: string,
  nowS = Date.now() / 1000,
): Record<string, unknown> | undefined {
  const [head, body, mac] = token.split('.');
  if (!head || !body || !mac) return undefined;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: Record<string, unknown>;
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: unknown };
    if (header.alg !== 'HS256') return undefined;
    claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const valid =
    typeof claims.exp === 'number' &&
    claims.exp > nowS &&
    claims.iss === ISSUER &&
    claims.aud === AUDIENCE &&
    typeof claims.sub === 'string' &&
    claims.sub.length > 0;
  return valid ? claims : undefined;
}
