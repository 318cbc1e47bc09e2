import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { problemFromException } from '../../src/http/problem/problem-details.filter';
import { ProblemException, validationProblem } from '../../src/http/problem/problem-details';

describe('problem details (RFC 9457)', () => {
  it('keeps a ProblemException as it is, with its headers', () => {
    const e = new ProblemException(
      { type: 'urn:x', title: 'T', status: 401, detail: 'd' },
      { 'www-authenticate': 'Bearer' },
    );
    assert.deepEqual(problemFromException(e), {
      problem: { type: 'urn:x', title: 'T', status: 401, detail: 'd' },
      headers: { 'www-authenticate': 'Bearer' },
    });
  });

  it('carries field errors of a validation problem', () => {
    const { problem } = problemFromException(
      validationProblem([{ path: '/items', message: 'is required' }]),
    );
    assert.equal(problem.status, 400);
    assert.deepEqual(problem.errors, [{ path: '/items', message: 'is required' }]);
  });

  it("maps Nest's and Fastify's HTTP errors to a typed problem with the status title", () => {
    const { problem } = problemFromException(
      new PayloadTooLargeException('Request body is too large'),
    );
    assert.deepEqual(problem, {
      type: 'urn:eventshop:problem:payload-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Request body is too large',
    });
    assert.equal(problemFromException(new BadRequestException(['a', 'b'])).problem.detail, 'a; b');
    assert.equal(
      problemFromException(new HttpException('teapot', 418)).problem.type,
      'urn:eventshop:problem:http-418',
    );
  });

  it('never shows the message of a server error', () => {
    const internal = problemFromException(new Error('connection string mongodb://user:pw@db'));
    assert.equal(internal.problem.status, 500);
    assert.doesNotMatch(JSON.stringify(internal.problem), /mongodb|pw/);
    const http500 = problemFromException(new HttpException('secret detail', 503));
    assert.equal(http500.problem.detail, undefined);
  });
});
