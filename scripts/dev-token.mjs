#!/usr/bin/env node
// A development JWT for the services started by `make up`: HS256, signed with the secret that
// `make up` generated into .local/secrets (or AUTH_HS256_SECRET), issuer and audience of the
// local run. Plain node:crypto, so it works before any package is installed; the services verify
// it with jose like any other token.
//   node scripts/dev-token.mjs [--user alice] [--email alice@example.com] [--roles admin] [--ttl 8h]
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SECRET_FILE = join(ROOT, '.local', 'secrets', 'auth-hs256-secret');
export const DEV_ISSUER = 'eventshop-dev';
export const DEV_AUDIENCE = 'eventshop';

const base64url = (value) => Buffer.from(value).toString('base64url');

const TTL_UNITS = { s: 1, m: 60, h: 3600, d: 86400 };
function ttlSeconds(text) {
  const m = /^(\d+)([smhd])?$/.exec(text);
  if (!m) throw new Error(`--ttl must look like 900, 15m, 8h or 1d (got "${text}")`);
  return Number(m[1]) * TTL_UNITS[m[2] ?? 's'];
}

/** The secret of the local run: AUTH_HS256_SECRET, else the file `make up` wrote. */
export function devSecret(env = process.env) {
  if (env.AUTH_HS256_SECRET) return env.AUTH_HS256_SECRET;
  try {
    return readFileSync(SECRET_FILE, 'utf8').trim();
  } catch {
    throw new Error('no development secret yet: run `make up` first (it writes .local/secrets)');
  }
}

/** Signs an HS256 JWT (RFC 7519) for `user`. */
export function devToken({
  user,
  email = `${user}@example.com`,
  roles = [],
  ttl = '8h',
  issuer = process.env.AUTH_ISSUER || DEV_ISSUER,
  audience = process.env.AUTH_AUDIENCE || DEV_AUDIENCE,
  secret = devSecret(),
}) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = { sub: user, email, roles, iss: issuer, aud: audience, iat: now };
  claims.exp = now + ttlSeconds(ttl);
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function main() {
  const { values } = parseArgs({
    options: {
      user: { type: 'string', default: process.env.USER || 'alice' },
      email: { type: 'string' },
      roles: { type: 'string', default: '' },
      ttl: { type: 'string', default: '8h' },
    },
  });
  const roles = values.roles.split(/[\s,]+/).filter((r) => r.length > 0);
  const token = devToken({
    user: values.user,
    roles,
    ttl: values.ttl,
    ...(values.email ? { email: values.email } : {}),
  });
  process.stdout.write(`${token}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`dev-token: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
