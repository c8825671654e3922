import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ApiException } from './api.exception';
import { ErrorCode } from './error-codes';

/** Ids are INTEGER on both drivers (MySQL's INT is signed 32-bit): nothing above can name a row. */
export const MAX_ID = 2_147_483_647;

/** Canonical decimal only; at most 10 digits, so the number is exact. */
const ID_FORMAT = /^[1-9][0-9]{0,9}$/;

/**
 * A numeric path id (`@Param('id', ParseIdPipe) id: number`): the canonical
 * decimal text of 1 to MAX_ID, or 400 validation_error. Nest's ParseIntPipe
 * accepts `01` and `+1`, and `Number()` (which the global pipe's transform
 * used to apply first) also ` 1`, `1e0`, `0x1`, `1.0`: each of them acted on
 * user 1.
 *
 * @example
 * @Delete(':id/sessions')
 * revoke(@Param('id', ParseIdPipe) id: number) {}
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    if (typeof value === 'string' && ID_FORMAT.test(value)) {
      const id = Number(value);
      if (id <= MAX_ID) return id;
    }
    throw new ApiException(
      ErrorCode.ValidationError,
      `${metadata.data ?? 'id'} must be a whole number from 1 to ${MAX_ID}, written in decimal without sign, spaces or leading zeros`,
    );
  }
}
