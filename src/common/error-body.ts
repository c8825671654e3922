import { ErrorCode } from './error-codes';

/** The one error body of the API, REST and WebSocket alike. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
}

/** The error body, built here and nowhere else, REST and WebSocket alike. */
export function toErrorBody(code: ErrorCode, error: string): ErrorBody {
  return { error, code };
}

/** What a client learns of a bug on our side: nothing but that it happened (the details are logged). */
export function internalErrorBody(): ErrorBody {
  return toErrorBody(ErrorCode.InternalError, 'Internal server error');
}

/**
 * Codes for errors raised by Nest, Fastify or Node's HTTP parser themselves,
 * which carry a status but none of our codes. A request too malformed or too
 * large to route (400, 408, 414, 417, 431) is the client's input at fault.
 */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationError,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.InsufficientTier,
  404: ErrorCode.NotFound,
  405: ErrorCode.NotFound,
  408: ErrorCode.ValidationError,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  414: ErrorCode.ValidationError,
  415: ErrorCode.ValidationError,
  417: ErrorCode.ValidationError,
  422: ErrorCode.Unprocessable,
  429: ErrorCode.RateLimited,
  431: ErrorCode.ValidationError,
  503: ErrorCode.ServiceUnavailable,
};

/** Our code for a framework status, or undefined for a status we do not expect from the framework. */
export function codeForStatus(status: number): ErrorCode | undefined {
  return CODE_BY_STATUS[status];
}
