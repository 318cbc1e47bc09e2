// The rate limit of POST /orders (@nestjs/throttler): ORDER_RATE_LIMIT requests per
// ORDER_RATE_WINDOW per customer, counted by the token's verified subject; a request without a
// valid token is counted by client address (so a flood of bad tokens is limited before each
// costs a signature check or a key-set fetch). It runs before the JWT guard for that reason.
//
// Counters live in the replica's memory: with N replicas a customer gets up to N × the limit.
// The hard bound on what one customer can hold is the open-order cap, shared through MongoDB.
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { bearerToken, JwtVerifier, ProblemException, problemType } from '@eventshop/service-kit';
import type { FastifyRequest } from 'fastify';

@Injectable()
export class CreateOrderRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as FastifyRequest;
    const token = bearerToken(req.headers.authorization);
    if (token !== undefined) {
      try {
        return `user:${(await this.verifier.verify(token)).userId}`;
      } catch {
        // Not a valid token: counted by address; the JWT guard answers 401.
      }
    }
    return `address:${req.ip}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new ProblemException(
      {
        type: problemType('too-many-requests'),
        title: 'Too many orders in a short time',
        status: 429,
        detail: `at most ${detail.limit} orders per ${Math.round(detail.ttl / 1000)} s; retry after ${retryAfter} s`,
      },
      { 'retry-after': String(retryAfter) },
    );
  }
}
