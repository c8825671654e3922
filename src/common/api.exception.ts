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
    /**
     * Fields the body carries besides `{error, code}`, for the few errors
     * that hand the client something to continue with (`mfa_required`'s
     * `mfa_token`). Never a message detail: those go in `error`.
     */
    readonly fields: Readonly<Record<string, string | number>> = {},
  ) {
    super(message, ERROR_STATUS[code]);
  }

  /** The `{error, code}` this exception is answered with (plus its `fields`). */
  get body(): ErrorBody {
    return { ...toErrorBody(this.code, this.message), ...this.fields };
  }
}
