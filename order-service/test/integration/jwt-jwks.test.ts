// AUTH_JWKS_URL: tokens signed with a key the JWKS endpoint serves are accepted; tokens signed
// with another key, or with the HS256 algorithm against a JWKS verifier, are refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthenticationError, JwtVerifier } from '@eventshop/service-kit';

describe('JWT verification with a JWKS endpoint', () => {
  let server: Server;
  let verifier: JwtVerifier;
  let signing: CryptoKey;
  let stranger: CryptoKey;

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signing = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    verifier = new JwtVerifier({
      issuer: 'https://issuer.test/',
      audience: 'orders',
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const sign = (key: CryptoKey | Uint8Array, alg = 'RS256', claims: Record<string, unknown> = {}) =>
    new SignJWT({ email: 'erin@example.com', roles: ['admin'], ...claims })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setSubject('erin')
      .setIssuer('https://issuer.test/')
      .setAudience('orders')
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token signed by a served key and reads sub, email and roles', async () => {
    assert.deepEqual(await verifier.verify(await sign(signing)), {
      userId: 'erin',
      email: 'erin@example.com',
      roles: ['admin'],
    });
  });

  it('refuses a token signed by another key', async () => {
    await assert.rejects(verifier.verify(await sign(stranger)), AuthenticationError);
  });

  it('refuses an HS256 token (no algorithm confusion)', async () => {
    await assert.rejects(
      verifier.verify(await sign(new TextEncoder().encode('x'.repeat(32)), 'HS256')),
      /algorithm is not allowed/,
    );
  });

  it('refuses a token without a subject', async () => {
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://issuer.test/')
      .setAudience('orders')
      .setExpirationTime('5m')
      .sign(signing);
    await assert.rejects(verifier.verify(noSub), AuthenticationError);
  });
});
