// Writes every error as application/problem+json: our ProblemExceptions, Nest's HttpExceptions
// (Fastify's own errors arrive as those: bad JSON, body too large, unsupported media type,
// unknown route) and anything unexpected (500, no internals).
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  problemType,
  type ProblemDetails,
} from './problem-details';

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
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
  const status = exception instanceof HttpException ? exception.getStatus() : 500;
  if (status >= 500 || !(exception instanceof HttpException)) {
    return {
      problem: {
        type: problemType(SLUGS[status] ?? 'internal-error'),
        title: STATUS_CODES[status] ?? 'Internal Server Error',
        status,
        detail: 'The server could not complete the request.',
      },
      headers: {},
    };
  }
  const response = exception.getResponse();
  const message =
    typeof response === 'string'
      ? response
      : typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : exception.message;
  return {
    problem: {
      type: problemType(SLUGS[status] ?? `http-${status}`),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: Array.isArray(message) ? message.join('; ') : String(message),
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
    if (problem.status >= 500) {
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
