import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { currentContext } from '../context/context';
import type { KitConfig } from '../config/load-config';
import { REDACTED_PATHS, redactDeep, redactSecrets } from './redact';

const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * nestjs-pino/pino-http options: JSON lines with `service`, and `correlationId`/`traceId` of the
 * request or event being handled (from the async context, added by a mixin to every line);
 * credentials redacted from headers and from URIs in any logged string.
 */
export function loggerParams(config: KitConfig, service: string): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin(_merge: object, _level: number, logger: PinoLogger): object {
        const ctx = currentContext();
        if (!ctx) return {};
        // A request logger already carries them in its bindings (see customProps).
        if ('correlationId' in logger.bindings()) return {};
        return {
          correlationId: ctx.correlationId,
          traceId: ctx.traceId,
          ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
        };
      },
      customProps(req: IncomingMessage): object {
        const ctx = (
          req as IncomingMessage & { eventshopContext?: { correlationId: string; traceId: string } }
        ).eventshopContext;
        return ctx ? { correlationId: ctx.correlationId, traceId: ctx.traceId } : {};
      },
      formatters: {
        log: (obj: Record<string, unknown>) => redactDeep(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)),
          );
        },
      },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
      serializers: {
        req: (req: { method?: string; url?: string; id?: unknown }) => ({
          id: req.id,
          method: req.method,
          url: req.url ? redactSecrets(req.url) : req.url,
        }),
        res: (res: ServerResponse | { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
