import { HttpException } from '@nestjs/common';
import { ErrorBody, toErrorBody } from './error-body';
import { ERROR_STATUS, ErrorCode } from './error-codes';

/**
 * The one exception type services throw for an expected failure. The global
 * filter turns it into `{error, code}` with the status that belongs to the
 * code, so a code can never be sent with the wrong status.
 */
export class ApiException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After on 429/503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, ERROR_STATUS[code]);
  }

  /** The `{error, code}` this exception is answered with. */
  get body(): ErrorBody {
    return toErrorBody(this.code, this.message);
  }
}
