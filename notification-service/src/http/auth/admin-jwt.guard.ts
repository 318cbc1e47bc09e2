// Routes for operators: a valid Bearer token whose `roles` contain `admin`. No token or a bad one
// → 401; a valid token without the role → 403.
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';

import { forbiddenProblem, unauthorizedProblem } from '../problem/problem-details';
import { AuthenticationError, bearerToken, JwtVerifier } from './jwt-verifier';

export const ADMIN_ROLE = 'admin';

@Injectable()
export class AdminJwtGuard implements CanActivate {
  constructor(private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const token = bearerToken(request.headers['authorization']);
    if (token === undefined) throw unauthorizedProblem('a Bearer token is required');
    let roles: readonly string[];
    try {
      ({ roles } = await this.verifier.verify(token));
    } catch (error) {
      if (error instanceof AuthenticationError) throw unauthorizedProblem(error.message);
      throw error;
    }
    if (!roles.includes(ADMIN_ROLE)) throw forbiddenProblem('this needs the admin role');
    return true;
  }
}
