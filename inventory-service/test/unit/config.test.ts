import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authKeySourceProblem } from '../../src/config/inventory-env';

describe('configuration rules', () => {
  it('needs exactly one source of token keys', () => {
    assert.equal(authKeySourceProblem({ AUTH_HS256_SECRET: 's' }), undefined);
    assert.equal(authKeySourceProblem({ AUTH_JWKS_URL: 'https://id.example/jwks' }), undefined);
    assert.match(authKeySourceProblem({})!, /AUTH_JWKS_URL or AUTH_HS256_SECRET must be set/);
    assert.match(authKeySourceProblem({ AUTH_HS256_SECRET: '  ' })!, /must be set/);
    assert.match(
      authKeySourceProblem({ AUTH_HS256_SECRET: 's', AUTH_JWKS_URL: 'https://id.example/jwks' })!,
      /only one/,
    );
  });
});
