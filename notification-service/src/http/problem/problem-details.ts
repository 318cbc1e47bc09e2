// RFC 9457 problem details: the shape of every error answer (same shape in every service; a
// candidate for the service kit).
import { HttpException } from '@nestjs/common';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/** Problem types are URNs: stable identifiers that need no web page. */
export function problemType(slug: string): string {
  return `urn:eventshop:problem:${slug}`;
}

export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem, problem.status);
  }
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

export function validationProblem(path: string, message: string): ProblemException {
  return new ProblemException({
    type: problemType('validation-error'),
    title: 'The request is not valid',
    status: 400,
    detail: `${path} ${message}`,
    errors: [{ path, message }],
  });
}
