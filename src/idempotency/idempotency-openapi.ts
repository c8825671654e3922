import type {
  HeaderObject,
  OperationObject,
  ResponseObject,
} from '@nestjs/swagger';
import { ErrorCode } from '../common/error-codes';
import {
  IDEMPOTENT_KEY,
  IN_USE_RETRY_AFTER_SECONDS,
} from './idempotency.constants';
import type { IdempotentMetadata } from './idempotent.decorator';

/** The decorator's options on a handler, or undefined when it is not @Idempotent(). */
export function idempotentMetadataOf(
  handler: object,
): IdempotentMetadata | undefined {
  return Reflect.getMetadata(IDEMPOTENT_KEY, handler) as
    IdempotentMetadata | undefined;
}

/** The error codes @Idempotent() adds to a route (503: neither store answers). */
export function idempotencyErrorCodes(
  metadata: IdempotentMetadata,
): ErrorCode[] {
  return [
    ErrorCode.ValidationError,
    ...(metadata.required ? [ErrorCode.IdempotencyKeyRequired] : []),
    ErrorCode.IdempotencyKeyInUse,
    ErrorCode.IdempotencyKeyReused,
    ErrorCode.ServiceUnavailable,
  ];
}

const REPLAYED: HeaderObject = {
  description:
    '`true` when this is the stored answer of an earlier request with the same Idempotency-Key, replayed.',
  required: false,
  schema: { type: 'string', enum: ['true'] },
};

/**
 * The headers of an @Idempotent() operation's answers, after its error
 * responses exist: `Idempotent-Replayed` on the successes (a replayed 4xx
 * carries it too, which OpenAPI cannot say per code), and `Retry-After` on
 * the 409 (required when idempotency_key_in_use is its only code).
 */
export function describeIdempotency(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!status.startsWith('2')) continue;
    const success = response as ResponseObject;
    success.headers = { ...success.headers, 'Idempotent-Replayed': REPLAYED };
  }
  const conflict = operation.responses['409'] as ResponseObject | undefined;
  if (conflict !== undefined) {
    const codes = (
      conflict.content?.['application/json']?.schema as
        | { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> }
        | undefined
    )?.allOf?.[1]?.properties?.code?.enum;
    const onlyInUse =
      codes?.length === 1 && codes[0] === ErrorCode.IdempotencyKeyInUse;
    conflict.headers = {
      ...conflict.headers,
      'Retry-After': {
        description: `Seconds to wait before retrying (${IN_USE_RETRY_AFTER_SECONDS}), with \`idempotency_key_in_use\`.`,
        required: onlyInUse,
        schema: { type: 'integer', minimum: 1 },
      },
    };
  }
  operation.description = [
    operation.description,
    '**Idempotent:** a retry with the same `Idempotency-Key` gets the first answer again ' +
      '(`Idempotent-Replayed: true`); the key while the first request runs gets 409 ' +
      '`idempotency_key_in_use`, with another request 422 `idempotency_key_reused`.',
  ]
    .filter(Boolean)
    .join('\n\n');
}
