import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';

/** 16 random bytes, base64url: every session id ever issued (SessionService.create). */
const SESSION_ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

/** A session id in a path: anything not of that form is a bad parameter (400), never a query. */
@Injectable()
export class SessionIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !SESSION_ID_FORMAT.test(value))
      throw new ApiException(
        ErrorCode.ValidationError,
        'Session id must be 22 characters of A-Z, a-z, 0-9, "-" or "_"',
      );
    return value;
  }
}
