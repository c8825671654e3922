import {
  ArgumentMetadata,
  ValidationError,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';
import { ApiException } from './api.exception';
import { ErrorCode } from './error-codes';
import { MAX_NESTING_DEPTH, nestsDeeperThan } from './nesting-depth';

/** Constraints that say what is fundamentally wrong with a value come before size and format rules. */
const FIRST_CONSTRAINTS = [
  'whitelistValidation',
  'isDefined',
  'isString',
  'isInt',
  'isBoolean',
  'isNumber',
  'isNotEmpty',
];

function mainMessage(constraints: Record<string, string>): string | undefined {
  const key =
    FIRST_CONSTRAINTS.find((name) => name in constraints) ??
    Object.keys(constraints)[0];
  return key === undefined ? undefined : constraints[key];
}

/** First message of the first failing field, with its dotted path, e.g. "password must be a string". */
export function describeValidationErrors(
  errors: ValidationError[],
  parent = '',
): string {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const message = mainMessage(error.constraints ?? {});
    if (message !== undefined) {
      // class-validator starts messages with the bare property name; show the full path instead.
      if (message.startsWith(error.property))
        return path + message.slice(error.property.length);
      return message.includes(error.property) ? message : `${path}: ${message}`;
    }
    const nested = describeValidationErrors(error.children ?? [], path);
    if (nested) return nested;
  }
  return '';
}

/** The one set of ValidationPipe options: used globally and by guards that validate before passport runs. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) =>
    new ApiException(
      ErrorCode.ValidationError,
      describeValidationErrors(errors) || 'Request is invalid',
    ),
};

/**
 * ValidationPipe, minus its work on the parameters it never validates:
 * @CurrentUser() and other custom parameters are returned as they are,
 * synchronously, instead of through the pipe's async transform on every
 * request (measured on GET /auth/me). Input nested deeper than any DTO needs
 * is refused before class-transformer recurses into it; this covers REST
 * bodies and queries and WebSocket message data alike.
 *
 * A named path parameter is returned as the string it came as: with `transform`
 * on, ValidationPipe turned one typed `number` into `Number(value)` before
 * the route's own pipe ran, so ` 1`, `1e0` and `0x1` all reached
 * ParseIntPipe as 1 and acted on user 1. Parsing a path parameter is the
 * job of the route's pipe (ParseIdPipe for a numeric id), and
 * src/common/path-params.spec.ts fails the build for a numeric one without it.
 */
class AppValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'param' && metadata.data !== undefined) return value;
    if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) {
      throw new ApiException(
        ErrorCode.ValidationError,
        `Input is nested more than ${MAX_NESTING_DEPTH} levels deep`,
      );
    }
    return super.transform(value, metadata);
  }
}

export const validationPipe = new AppValidationPipe(VALIDATION_OPTIONS);

/** Validates a request body against a DTO class outside the pipe stage (e.g. in a guard). */
export async function validateBody<T extends object>(
  dto: new () => T,
  body: unknown,
): Promise<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiException(
      ErrorCode.ValidationError,
      'Request body must be a JSON object',
    );
  }
  return (await validationPipe.transform(body, {
    type: 'body',
    metatype: dto,
  })) as T;
}
