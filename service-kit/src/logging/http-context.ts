import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { contextFrom, runWithContext, type WorkContext } from '../context/context';
import { HttpMetrics, type HttpReply, type HttpRequest } from '../metrics/http-metrics';

/** The part of a Fastify instance used here (the kit does not depend on fastify's types). */
interface HookHost {
  addHook(
    name: 'onRequest' | 'onResponse',
    hook: (req: HttpRequest, reply: HttpReply, done: () => void) => void,
  ): unknown;
  eventshopHooks?: boolean;
}

const CORRELATION_HEADER = 'x-correlation-id';
const MAX_HEADER = 200;

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.length <= MAX_HEADER ? s : undefined;
}

/**
 * Fastify hooks registered while the app is being created, so they run before any middleware:
 * each request gets a context (correlation id from `X-Correlation-Id` or new, trace from
 * `traceparent` or new) that logs and emitted events see, echoed in the response header; and its
 * duration is observed by route pattern.
 */
@Injectable()
export class HttpContext {
  constructor(adapterHost: HttpAdapterHost, metrics: HttpMetrics) {
    const instance = adapterHost.httpAdapter?.getInstance?.() as HookHost | undefined;
    if (!instance || typeof instance.addHook !== 'function') return; // not Fastify (or no HTTP)
    if (instance.eventshopHooks) return;
    instance.eventshopHooks = true;

    instance.addHook('onRequest', (req, reply, done) => {
      const ctx = contextFrom({
        correlationId: header(req, CORRELATION_HEADER),
        traceparent: header(req, 'traceparent'),
      });
      (req.raw as { eventshopContext?: WorkContext }).eventshopContext = ctx;
      reply.header(CORRELATION_HEADER, ctx.correlationId);
      runWithContext(ctx, done);
    });
    instance.addHook('onResponse', (req, reply, done) => {
      metrics.observe(req, reply);
      done();
    });
  }
}
