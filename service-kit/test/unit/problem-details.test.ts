import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import {
  forbiddenProblem,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  problemFromException,
  ProblemException,
  unauthorizedProblem,
  validationProblem,
} from '../../src/index';

/** A stand-in for Fastify's reply and Nest's host: records what the filter writes. */
function runFilter(exception: unknown, url = '/orders/42?x=1') {
  const sent: { status?: number; type?: string; headers?: Record<string, string>; body?: unknown } =
    {};
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    headers(h: Record<string, string>) {
      sent.headers = h;
      return reply;
    },
    type(t: string) {
      sent.type = t;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ url }) }),
  };
  new ProblemDetailsFilter().catch(exception, host as never);
  return sent;
}

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
    assert.equal(problem.type, 'urn:eventshop:problem:validation-error');
    assert.deepEqual(problem.errors, [{ path: '/items', message: 'is required' }]);
  });

  it("maps Nest's and Fastify's HTTP errors to a typed problem with the status title", () => {
    assert.deepEqual(
      problemFromException(new PayloadTooLargeException('Request body is too large')).problem,
      {
        type: 'urn:eventshop:problem:payload-too-large',
        title: 'Payload Too Large',
        status: 413,
        detail: 'Request body is too large',
      },
    );
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
    assert.equal(
      problemFromException(new HttpException('secret detail', 503)).problem.detail,
      undefined,
    );
  });

  it('answers 503 with Retry-After when the database cannot be reached, not 500', () => {
    const selection = new Error('Server selection timed out after 10000 ms');
    selection.name = 'MongoServerSelectionError';
    const buffering = new Error('Operation `orders.insertOne()` buffering timed out after 10000ms');
    for (const err of [selection, buffering, new Error('wrapped', { cause: selection })]) {
      const { problem, headers } = problemFromException(err);
      assert.equal(problem.status, 503);
      assert.equal(problem.type, 'urn:eventshop:problem:database-unavailable');
      assert.deepEqual(headers, { 'retry-after': '5' });
    }
    const duplicate = new Error('E11000 duplicate key error');
    duplicate.name = 'MongoServerError';
    assert.equal(problemFromException(duplicate).problem.status, 500);
  });

  it('writes application/problem+json with the status, headers and the path as instance', () => {
    const sent = runFilter(unauthorizedProblem('token has expired'));
    assert.equal(sent.status, 401);
    assert.equal(sent.type, PROBLEM_CONTENT_TYPE);
    assert.equal(sent.type, 'application/problem+json');
    assert.deepEqual(sent.headers, { 'www-authenticate': 'Bearer' });
    assert.deepEqual(sent.body, {
      type: 'urn:eventshop:problem:unauthorized',
      title: 'Authentication required',
      status: 401,
      detail: 'token has expired',
      instance: '/orders/42',
    });
    const forbidden = runFilter(forbiddenProblem('this needs the admin role'));
    assert.equal(forbidden.status, 403);
    assert.equal((forbidden.body as { type: string }).type, 'urn:eventshop:problem:forbidden');
  });
});
