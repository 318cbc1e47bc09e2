// Writes every error of the HTTP API as application/problem+json: our ProblemExceptions, Nest's
// HttpExceptions (unknown route, bad method) and anything unexpected (500 without internals).
import { STATUS_CODES } from 'node:http';

import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';

import {
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
  ProblemException,
  problemType,
} from './problem-details';

interface ReplyLike {
  status(code: number): ReplyLike;
  headers(values: Record<string, string>): ReplyLike;
  type(contentType: string): ReplyLike;
  send(body: unknown): unknown;
}

export function problemFromException(exception: unknown): {
  problem: ProblemDetails;
  headers: Readonly<Record<string, string>>;
} {
  if (exception instanceof ProblemException) {
    return { problem: exception.problem, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      problem: {
        type: problemType(`http-${status}`),
        title: STATUS_CODES[status] ?? 'Error',
        status,
        ...(status < 500 ? { detail: exception.message } : {}),
      },
      headers: {},
    };
  }
  return {
    problem: {
      type: problemType('internal-error'),
      title: 'Internal Server Error',
      status: 500,
      detail: 'The server could not complete the request.',
    },
    headers: {},
  };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<ReplyLike>();
    const url = http.getRequest<{ url?: string } | undefined>()?.url;
    const { problem, headers } = problemFromException(exception);
    if (problem.status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : exception,
      );
    }
    const body = { ...problem, ...(url !== undefined ? { instance: url.split('?')[0] } : {}) };
    void reply
      .status(problem.status)
      .headers({ ...headers })
      .type(PROBLEM_CONTENT_TYPE)
      .send(body);
  }
}
