import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { httpRequest } from '../common/http-request';
import { RATE_LIMITED_METHODS } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';

/**
 * The global rate-limit guard: write requests go to @nestjs/throttler
 * (RateLimitGuard, a ThrottlerGuard); reads and socket messages pass at once,
 * without reaching it. Answering them with a plain `true`, not a promise,
 * keeps Nest's guard chain on its synchronous path for every GET (measured:
 * the throttler's async no-op cost GET /auth/me a quarter of its throughput).
 * ThrottlerGuard's own skipIf cannot do this: its canActivate is async, so
 * even a skipped request costs a promise and the awaits behind it.
 */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  constructor(private readonly rateLimit: RateLimitGuard) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { method } = httpRequest<FastifyRequest>(context);
    return RATE_LIMITED_METHODS.has(method)
      ? this.rateLimit.canActivate(context)
      : true;
  }
}
