// RFC 9457 problem details: the one shape of every error answer of every service.
import { HttpException } from '@nestjs/common';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldProblem {
  /** JSON pointer (RFC 6901) into the request body, or the name of a parameter or header. */
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Extension: what was wrong, per field. */
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** Problem types are URNs: stable identifiers that need no web page to exist. */
export function problemType(slug: string): string {
  return `urn:eventshop:problem:${slug}`;
}

/** Thrown by controllers and services; the filter writes it out as application/problem+json. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }
}

export function validationProblem(errors: FieldProblem[], detail?: string): ProblemException {
  return new ProblemException({
    type: problemType('validation-error'),
    title: 'The request is not valid',
    status: 400,
    detail: detail ?? 'One or more fields are not valid; see errors.',
    errors,
  });
}

export function notFoundProblem(detail: string): ProblemException {
  return new ProblemException({
    type: problemType('not-found'),
    title: 'Not found',
    status: 404,
    detail,
  });
}

export function unauthorizedProblem(detail: string): ProblemException {
  return new ProblemException(
    { type: problemType('unauthorized'), title: 'Authentication required', status: 401, detail },
    { 'www-authenticate': 'Bearer' },
  );
}

export function forbiddenProblem(detail: string): ProblemException {
  return new ProblemException({
    type: problemType('forbidden'),
    title: 'Forbidden',
    status: 403,
    detail,
  });
}

/** 409 with a service-specific type slug and any extension members. */
export function conflictProblem(
  slug: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemException {
  return new ProblemException({
    type: problemType(slug),
    title: 'The request conflicts with the current state',
    status: 409,
    detail,
    ...extra,
  });
}

/** 503 while the database is unreachable: the request may be retried after `retryAfterSeconds`. */
export function databaseUnavailableProblem(retryAfterSeconds = 5): ProblemException {
  return new ProblemException(
    {
      type: problemType('database-unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail: 'The database is unavailable; retry later.',
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
