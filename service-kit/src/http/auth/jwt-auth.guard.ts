// Nest guard: every route behind it needs a valid Bearer token; `@Roles('admin')` on a route or
// controller also needs those roles in the token. The principal is attached to the request for
// `@CurrentUser()` / `principalOf()`.
import {
  createParamDecorator,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
  type Provider,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { KIT_CONFIG } from '../../kit.options';
import { forbiddenProblem, unauthorizedProblem } from '../problem/problem-details';
import { authConfigFrom, type AuthEnvValues } from './auth-env';
import { AuthenticationError, bearerToken, JwtVerifier, type Principal } from './jwt-verifier';

const REQUIRED_ROLES = 'eventshop:required-roles';

/** Every listed role is required (on top of a valid token). */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

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
    let principal: Principal;
    try {
      principal = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof AuthenticationError) throw unauthorizedProblem(err.message);
      throw err;
    }
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    const missing = (roles ?? []).filter((role) => !principal.roles.includes(role));
    if (missing.length > 0) throw forbiddenProblem(`this needs the ${missing.join(', ')} role`);
    return true;
  }
}

/** The verified principal of a request the guard has let through. */
export function principalOf(request: AuthedRequest): Principal {
  if (request.principal === undefined) throw unauthorizedProblem('a Bearer token is required');
  return request.principal;
}

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<AuthedRequest>()),
);

export function hasRole(principal: Principal, role: string): boolean {
  return principal.roles.includes(role);
}

/** Provides the JwtVerifier from the kit config of a service whose env includes `authEnv`. */
export const jwtVerifierProvider: Provider = {
  provide: JwtVerifier,
  inject: [KIT_CONFIG],
  useFactory: (config: AuthEnvValues) => new JwtVerifier(authConfigFrom(config)),
};
