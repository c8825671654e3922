import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { validateBody } from '../../common/validation';
import { LOGIN_OUTCOME_PROPERTY } from '../auth.constants';
import { LoginDto } from '../dto/login.dto';

/**
 * Runs passport-local, but only on a valid JSON body: guards run before
 * pipes, and passport-local would answer a missing field with a bare 401 (and
 * would read credentials from the query string when the body lacks them).
 * What the strategy returns, a LoginOutcome, goes to its own request
 * property for @LoginResult(), so `request.user` is a Principal or nothing.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.body = await validateBody(LoginDto, request.body);
    return (await super.canActivate(context)) as boolean;
  }

  override getAuthenticateOptions() {
    return { property: LOGIN_OUTCOME_PROPERTY };
  }
}
