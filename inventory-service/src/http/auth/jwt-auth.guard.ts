// Nest guard: a valid Bearer token for every route it covers; `@RequireRole('admin')` on a route
// also needs that role in the token's `roles` claim.
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbiddenProblem, unauthorizedProblem } from '../problem/problem-details';
import { AuthenticationError, bearerToken, JwtVerifier, type Principal } from './jwt-verifier';

const REQUIRED_ROLE = 'eventshop:required-role';

export const RequireRole = (role: string) => SetMetadata(REQUIRED_ROLE, role);

export type AuthedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthorizedProblem('a Bearer token is required');
    try {
      request.principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthenticationError) throw unauthorizedProblem(error.message);
      throw error;
    }
    const role = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (role !== undefined && !request.principal.roles.includes(role)) {
      throw forbiddenProblem(`this needs the ${role} role`);
    }
    return true;
  }
}

/** The verified principal of the request (the guard has run). */
export function principalOf(request: AuthedRequest): Principal {
  if (!request.principal) throw unauthorizedProblem('a Bearer token is required');
  return request.principal;
}
