// Writes every error as RFC 9457 application/problem+json: our own ProblemExceptions, Nest's
// HttpExceptions (including Fastify's own errors, which Nest maps to HttpException: bad JSON,
// body too large, unsupported media type, unknown route), the database being unreachable (503
// with Retry-After) and anything unexpected (500 with no internals).
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
} from '../../persistence/database-unavailable';
import {
  databaseUnavailableProblem,
  PROBLEM_CONTENT_TYPE,
  problemType,
  ProblemException,
  type ProblemDetails,
} from './problem-details';

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable-content',
  429: 'too-many-requests',
  500: 'internal-error',
  503: 'service-unavailable',
};

export function problemFromException(exception: unknown): {
  problem: ProblemDetails;
  headers: Record<string, string>;
} {
  if (exception instanceof ProblemException) {
    return { problem: exception.problem, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: unknown }).message
          : exception.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    return {
      problem: {
        type: problemType(SLUGS[status] ?? `http-${status}`),
        title: STATUS_CODES[status] ?? 'Error',
        status,
        // Server errors never show their message: it may carry internals.
        ...(status < 500 ? { detail } : {}),
      },
      headers: {},
    };
  }
  if (isDatabaseUnavailable(exception)) {
    // An outage, not a bug: the client may retry.
    const unavailable = databaseUnavailableProblem(DATABASE_RETRY_AFTER_SECONDS);
    return { problem: unavailable.problem, headers: unavailable.headers };
  }
  return {
    problem: {
      type: problemType('internal-error'),
      title: STATUS_CODES[HttpStatus.INTERNAL_SERVER_ERROR] as string,
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'The server could not complete the request.',
    },
    headers: {},
  };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest | undefined>();
    const { problem, headers } = problemFromException(exception);
    if (problem.type === problemType('database-unavailable')) {
      this.logger.warn(
        `${request?.method ?? ''} ${request?.url ?? ''}: the database is unavailable`,
      );
    } else if (problem.status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : exception,
      );
    }
    const body: ProblemDetails = { ...problem };
    if (request?.url !== undefined && body.instance === undefined) {
      body.instance = request.url.split('?')[0];
    }
    void reply.status(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
  }
}
