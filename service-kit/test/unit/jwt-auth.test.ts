import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SignJWT } from 'jose';
import {
  authConfigFrom,
  bearerToken,
  ConfigError,
  JwtAuthGuard,
  JwtVerifier,
  ProblemException,
  Roles,
  type AuthedRequest,
} from '../../src/index';

const SECRET = 'a-local-secret-of-at-least-32-bytes!';
const ISSUER = 'https://id.eventshop.test/';
const AUDIENCE = 'eventshop';

async function token(
  claims: Record<string, unknown>,
  opts: { exp?: number | string; aud?: string; sub?: string } = {},
) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m');
  if (opts.sub !== '') jwt.setSubject(opts.sub ?? 'user-1');
  return jwt.sign(new TextEncoder().encode(SECRET));
}

const verifier = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, hs256Secret: SECRET });

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('JwtVerifier (HS256)', () => {
  it('returns the principal: subject, e-mail and roles (array or space-separated)', async () => {
    assert.deepEqual(await verifier.verify(await token({ email: 'a@b.c', roles: ['admin', 7] })), {
      userId: 'user-1',
      email: 'a@b.c',
      roles: ['admin'],
    });
    assert.deepEqual((await verifier.verify(await token({ roles: 'admin ops' }))).roles, [
      'admin',
      'ops',
    ]);
  });

  it('drops an e-mail the identity provider says is not verified', async () => {
    const unverified = await verifier.verify(
      await token({ email: 'a@b.c', email_verified: false }),
    );
    assert.equal(unverified.email, undefined);
    assert.equal(
      (await verifier.verify(await token({ email: 'a@b.c', email_verified: 'false' }))).email,
      undefined,
    );
    assert.equal(
      (await verifier.verify(await token({ email: 'a@b.c', email_verified: true }))).email,
      'a@b.c',
    );
  });

  it('refuses an expired token, a wrong audience, a bad signature, a missing subject', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    assert.equal(
      await reason(verifier.verify(await token({}, { exp: past }))),
      'token has expired',
    );
    assert.equal(
      await reason(verifier.verify(await token({}, { aud: 'someone-else' }))),
      'token claim "aud" is not acceptable',
    );
    const other = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      hs256Secret: 'x'.repeat(40),
    });
    assert.equal(await reason(other.verify(await token({}))), 'token signature is not valid');
    assert.match(await reason(verifier.verify(await token({}, { sub: '' }))), /"sub"/);
  });

  it('takes a verified token as verified for the cache time, never past its expiry', async () => {
    let now = Date.now();
    const cached = new JwtVerifier(
      { issuer: ISSUER, audience: AUDIENCE, hs256Secret: SECRET },
      { ttlMs: 60_000, max: 100, now: () => now },
    );
    const jwt = await token({ roles: ['admin'] }, { exp: Math.floor(now / 1000) + 600 });
    const first = await cached.verify(jwt);
    now += 59_000;
    // the same object: answered from the cache, not verified again
    assert.equal(await cached.verify(jwt), first);
    assert.throws(() => first.roles.push('ops'), TypeError, 'shared by requests: frozen');
    now += 2_000;
    const again = await cached.verify(jwt);
    assert.notEqual(again, first, 'verified again after the cache time');
    assert.deepEqual(again, first);

    const shortLived = await token({}, { exp: Math.floor(now / 1000) + 10 });
    await cached.verify(shortLived);
    now += 16_000; // past its expiry and the 5 s tolerance, within the cache time
    assert.equal(await reason(cached.verify(shortLived)), 'token has expired');
    // a token that failed is never remembered
    assert.equal(await reason(cached.verify(shortLived)), 'token has expired');
  });

  it('remembers at most `max` tokens, and none with a cache time of 0', async () => {
    const config = { issuer: ISSUER, audience: AUDIENCE, hs256Secret: SECRET };
    const small = new JwtVerifier(config, { ttlMs: 60_000, max: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => token({}, { sub })));
    const firstA = await small.verify(a!);
    assert.equal(await small.verify(a!), firstA);
    await small.verify(b!);
    await small.verify(c!); // a, least recently used, goes
    assert.notEqual(await small.verify(a!), firstA);

    const off = new JwtVerifier(config, { ttlMs: 0, max: 100 });
    assert.notEqual(await off.verify(a!), await off.verify(a!));
  });

  it('reads only well-formed Bearer headers', () => {
    assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('auth env rule', () => {
  const base = { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE };
  it('needs exactly one key source and a long enough secret', () => {
    assert.throws(
      () => authConfigFrom({ ...base, AUTH_JWKS_URL: undefined, AUTH_HS256_SECRET: undefined }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message === 'config: AUTH_JWKS_URL or AUTH_HS256_SECRET is required',
    );
    assert.throws(
      () =>
        authConfigFrom({ ...base, AUTH_JWKS_URL: 'https://id/jwks', AUTH_HS256_SECRET: SECRET }),
      /both set/,
    );
    assert.throws(
      () => authConfigFrom({ ...base, AUTH_JWKS_URL: undefined, AUTH_HS256_SECRET: 'short' }),
      /at least 32 bytes/,
    );
    for (const insecure of ['http://id.example.com/jwks', 'http://10.0.0.5/jwks']) {
      assert.throws(
        () => authConfigFrom({ ...base, AUTH_JWKS_URL: insecure, AUTH_HS256_SECRET: undefined }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.message === 'config: AUTH_JWKS_URL must use https:// (http only for a loopback host)',
      );
      assert.throws(
        () => new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: insecure }),
        /must use https/,
      );
    }
    for (const local of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]/x']) {
      assert.equal(
        authConfigFrom({ ...base, AUTH_JWKS_URL: local, AUTH_HS256_SECRET: undefined }).jwksUrl,
        local,
      );
    }
    assert.deepEqual(
      authConfigFrom({ ...base, AUTH_JWKS_URL: 'https://id/jwks', AUTH_HS256_SECRET: undefined }),
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUrl: 'https://id/jwks',
      },
    );
  });
});

class AdminOnly {
  @Roles('admin')
  list(): void {}
  open(): void {}
}

function contextFor(handler: () => void, request: AuthedRequest): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => AdminOnly,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

async function guardStatus(handler: () => void, authorization?: string) {
  const request = { headers: { authorization } } as unknown as AuthedRequest;
  const guard = new JwtAuthGuard(verifier, new Reflector());
  try {
    await guard.canActivate(contextFor(handler, request));
    return { status: 200, principal: request.principal };
  } catch (err) {
    assert.ok(err instanceof ProblemException);
    return { status: err.problem.status, detail: err.problem.detail, headers: err.headers };
  }
}

describe('JwtAuthGuard', () => {
  it('401 without a token or with an expired one, saying why', async () => {
    const none = await guardStatus(AdminOnly.prototype.open);
    assert.equal(none.status, 401);
    assert.deepEqual(none.headers, { 'www-authenticate': 'Bearer' });
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await guardStatus(
      AdminOnly.prototype.open,
      `Bearer ${await token({}, { exp: past })}`,
    );
    assert.equal(expired.status, 401);
    assert.equal(expired.detail, 'token has expired');
  });

  it('403 when a @Roles route meets a token without the role; lets the role holder in', async () => {
    const plain = `Bearer ${await token({ roles: ['customer'] })}`;
    const refused = await guardStatus(AdminOnly.prototype.list, plain);
    assert.equal(refused.status, 403);
    assert.equal(refused.detail, 'this needs the admin role');
    assert.equal((await guardStatus(AdminOnly.prototype.open, plain)).status, 200);
    const admin = await guardStatus(
      AdminOnly.prototype.list,
      `Bearer ${await token({ roles: ['admin'] })}`,
    );
    assert.equal(admin.status, 200);
    assert.deepEqual(admin.principal, { userId: 'user-1', roles: ['admin'] });
  });
});
