import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENT_KEY, MAX_KEY_LENGTH } from './idempotency.constants';
import { IdempotencyInterceptor } from './idempotency.interceptor';

export interface IdempotentOptions {
  /** Whether a request without Idempotency-Key is refused (400 idempotency_key_required). Default true. */
  required?: boolean;
  /** Seconds the answer is kept for replay. Default IDEMPOTENCY_TTL (86,400). */
  ttlSeconds?: number;
}

/** The options with their defaults, as stored on the handler (ttlSeconds undefined: IDEMPOTENCY_TTL). */
export interface IdempotentMetadata {
  required: boolean;
  ttlSeconds: number | undefined;
}

/**
 * Makes a POST or PATCH handler safe to retry: a request with an
 * `Idempotency-Key` header (1 to 255 printable ASCII characters) runs the
 * handler once; a retry with the same key, method, path and body gets the
 * first answer again, byte for byte, with `Idempotent-Replayed: true`.
 * While the first still runs, the same key gets `409 idempotency_key_in_use`
 * (with `Retry-After: 1`); the key with another body or path gets
 * `422 idempotency_key_reused`. A key belongs to its caller (the user, or
 * the API key) and to the route. A 5xx frees the key; the handler's own 4xx
 * are kept like its successes. With neither Redis nor the database
 * reachable the route answers 503 rather than run unprotected.
 *
 * Only on routes with a principal (not `@Public()`), and **never on a route
 * whose answer holds a secret** (`POST /auth/api-keys`, an enrolment that
 * returns a seed or recovery codes): the kept answer is stored as sent, in
 * Redis or the `idempotency_records` table, for the TTL. The request body is
 * never stored, only a keyed digest of it.
 *
 * @example
 * @Idempotent()
 * @Post()
 * place(@Body() order: PlaceOrderDto) {}
 *
 * @example
 * // A retry-safe admin script: the key is welcome, not required.
 * @Idempotent({ required: false, ttlSeconds: 3600 })
 * @Post()
 * create() {}
 */
export const Idempotent = (
  options: IdempotentOptions = {},
): MethodDecorator => {
  const { required = true, ttlSeconds } = options;
  if (
    ttlSeconds !== undefined &&
    !(Number.isInteger(ttlSeconds) && ttlSeconds >= 1)
  )
    throw new Error(
      `@Idempotent: ttlSeconds must be a positive integer, got ${JSON.stringify(ttlSeconds)}`,
    );
  const metadata: IdempotentMetadata = { required, ttlSeconds };
  // A handler's, never a controller's: it needs its handler's method (checked at start-up).
  return applyDecorators(
    SetMetadata(IDEMPOTENT_KEY, metadata),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required,
      description:
        'Makes a retry safe: the first request with this key runs, a retry with the same key and ' +
        'request gets its answer again (`Idempotent-Replayed: true`). 1 to 255 printable ASCII characters, ' +
        'e.g. a UUID; scoped to the caller and this route.' +
        (required ? '' : ' Optional here.'),
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_KEY_LENGTH,
        pattern: '^[ -~]+$',
      },
    }),
  );
};
