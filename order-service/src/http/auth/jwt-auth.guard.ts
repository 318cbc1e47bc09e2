// Nest guard: every route behind it needs a valid Bearer token; the principal is attached to the
// request for @CurrentUser().
import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { unauthorizedProblem } from '../problem/problem-details';
import { AuthenticationError, bearerToken, JwtVerifier, type Principal } from './jwt-verifier';

type AuthedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthorizedProblem('a Bearer token is required');
    try {
      request.principal = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof AuthenticationError) throw unauthorizedProblem(err.message);
      throw err;
    }
    return true;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  if (principal === undefined) throw unauthorizedProblem('a Bearer token is required');
  return principal;
});

export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes('admin');
}
