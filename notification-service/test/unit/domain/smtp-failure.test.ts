import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifySmtpFailure, InvalidRecipientError } from '../../../src/domain/smtp-failure';

function smtpError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message ?? 'smtp error')), fields);
}

describe('SMTP failure classification', () => {
  it('retries a refused connection, a timeout and a dropped socket', () => {
    for (const code of [
      'ECONNECTION',
      'ETIMEDOUT',
      'ESOCKET',
      'ECONNREFUSED',
      'ECONNRESET',
      'EDNS',
    ]) {
      assert.equal(classifySmtpFailure(smtpError({ code })).kind, 'transient', code);
    }
  });

  it('retries a 4xx answer and keeps the server text', () => {
    const failure = classifySmtpFailure(
      smtpError({
        code: 'EENVELOPE',
        responseCode: 451,
        response: '451 4.3.0 Try again later',
      }),
    );
    assert.deepEqual(failure, {
      kind: 'transient',
      answer: '451 4.3.0 Try again later',
      responseCode: 451,
      code: 'EENVELOPE',
    });
  });

  it('records a 5xx answer as permanent with the server text', () => {
    const failure = classifySmtpFailure(
      smtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 No such user' }),
    );
    assert.equal(failure.kind, 'permanent');
    assert.equal(failure.answer, '550 5.1.1 No such user');
    assert.equal(failure.responseCode, 550);
  });

  it('treats a refused login as our configuration problem: retried, not failed', () => {
    const failure = classifySmtpFailure(
      smtpError({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Bad credentials' }),
    );
    assert.equal(failure.kind, 'transient');
  });

  it('records an address the library or this service refused as permanent', () => {
    assert.equal(
      classifySmtpFailure(smtpError({ code: 'EENVELOPE', message: 'No recipients defined' })).kind,
      'permanent',
    );
    const invalid = classifySmtpFailure(new InvalidRecipientError('a@b, c@d'));
    assert.equal(invalid.kind, 'permanent');
    assert.match(invalid.answer, /invalid recipient address/);
  });

  it('retries what it does not recognise, so it can be parked and replayed', () => {
    assert.equal(classifySmtpFailure(new Error('something odd')).kind, 'transient');
    assert.equal(classifySmtpFailure('a string').kind, 'transient');
    assert.equal(classifySmtpFailure(undefined).answer, 'undefined');
  });

  it('bounds the stored answer', () => {
    const failure = classifySmtpFailure(
      smtpError({ responseCode: 554, response: 'x'.repeat(5000) }),
    );
    assert.ok(failure.answer.length <= 1001);
  });
});
