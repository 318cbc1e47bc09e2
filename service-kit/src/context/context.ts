import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * What travels with one unit of work (an HTTP request or a consumed event): logs carry it and
 * events created inside it inherit it, so a whole saga can be followed by one correlation id.
 */
export interface WorkContext {
  readonly correlationId: string;
  /** Id of the event being handled; events created meanwhile are caused by it. */
  readonly causationId?: string;
  /** W3C trace id (32 hex) shared by everything in the trace. */
  readonly traceId: string;
  /** W3C span id (16 hex) of this unit of work. */
  readonly spanId: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

/** The context of the current unit of work, if any. */
export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

/** Runs `fn` inside `ctx`; everything it awaits sees the same context. */
export function runWithContext<R>(ctx: WorkContext, fn: () => R): R {
  return storage.run(ctx, fn);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

/** Starts a context from optional incoming values (header or event extension attributes). */
export function contextFrom(incoming: {
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}): WorkContext {
  const m = incoming.traceparent ? TRACEPARENT.exec(incoming.traceparent.trim()) : null;
  const traceId = m && !/^0+$/.test(m[2]!) ? m[2]! : randomBytes(16).toString('hex');
  return {
    correlationId: incoming.correlationId || randomUUID(),
    causationId: incoming.causationId,
    traceId,
    spanId: newSpanId(),
  };
}

/** The W3C traceparent that a child of this context (e.g. an emitted event) carries. */
export function childTraceparent(ctx: WorkContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-01`;
}
