import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable, of } from 'rxjs';
import type { WithPrincipal } from '../auth/principal-of';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { httpRequest } from '../common/http-request';
import { AppConfig } from '../config/app-config';
import type { IdempotentRequest } from './idempotency-hooks';
import { parseIdempotencyKey } from './idempotency-key';
import { IdempotencyStores } from './idempotency-stores.service';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_KEY,
  IN_USE_RETRY_AFTER_SECONDS,
} from './idempotency.constants';
import type { IdempotentMetadata } from './idempotent.decorator';
import { RequestFingerprints } from './request-fingerprints.service';

type Request = FastifyRequest & WithPrincipal & IdempotentRequest;

/** The decorator's options, read once per handler. */
const optionsByHandler = new WeakMap<object, IdempotentMetadata>();

function optionsOf(handler: object): IdempotentMetadata {
  let options = optionsByHandler.get(handler);
  if (options === undefined) {
    options = Reflect.getMetadata(
      IDEMPOTENT_KEY,
      handler,
    ) as IdempotentMetadata;
    optionsByHandler.set(handler, options);
  }
  return options;
}

/**
 * The work of @Idempotent(), after the guards (so a request refused with
 * 401, 403 or 429 never touches a key) and before the pipes and the
 * handler: checks the header, claims the key or finds what holds it. What
 * the answer was is seen by the onSend hook (idempotency-hooks.ts), which
 * keeps it or releases the key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly stores: IdempotencyStores,
    private readonly fingerprints: RequestFingerprints,
    private readonly config: AppConfig,
  ) {}

  async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const options = optionsOf(context.getHandler());
    const request = httpRequest<Request>(context);
    const key =
      request.headers[IDEMPOTENCY_KEY_HEADER] === undefined
        ? undefined
        : parseIdempotencyKey(
            request.raw.headersDistinct[IDEMPOTENCY_KEY_HEADER],
          );
    if (key === undefined) {
      if (options.required)
        throw new ApiException(
          ErrorCode.IdempotencyKeyRequired,
          'This request needs an Idempotency-Key header',
        );
      return next.handle();
    }
    const principal = request.principal;
    if (!principal)
      // A programming error, not the client's: keys are per caller.
      throw new Error('@Idempotent() needs an authenticated route');
    const caller =
      principal.apiKeyId !== undefined
        ? `key:${principal.apiKeyId}`
        : `user:${principal.id}`;
    const begun = await this.stores.begin(
      this.fingerprints.scope(
        caller,
        request.method,
        request.routeOptions.url ?? request.url,
        key,
      ),
      this.fingerprints.fingerprint(
        request.method,
        request.url,
        request.idempotencyBody,
      ),
      this.config.idempotencyInFlightSeconds * 1000,
    );
    switch (begun.state) {
      case 'claimed':
        request.idempotency = {
          kind: 'claimed',
          claim: begun.claim,
          ttlMs: (options.ttlSeconds ?? this.config.idempotencyTtl) * 1000,
        };
        return next.handle();
      case 'completed':
        // Nest sends an empty answer; the onSend hook puts the stored one in its place.
        request.idempotency = { kind: 'replay', response: begun.response };
        return of(undefined);
      case 'in_flight':
        throw new ApiException(
          ErrorCode.IdempotencyKeyInUse,
          'A request with this Idempotency-Key is still being processed; retry shortly',
          { 'Retry-After': String(IN_USE_RETRY_AFTER_SECONDS) },
        );
      case 'mismatch':
        throw new ApiException(
          ErrorCode.IdempotencyKeyReused,
          'This Idempotency-Key was used for a different request',
        );
    }
  }
}
