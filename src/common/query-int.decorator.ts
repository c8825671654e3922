import { Transform } from 'class-transformer';

/** What a client writes for an integer: no sign but '-', no spaces, exponent, radix prefix or leading zeros. */
const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]{0,15})$/;

/**
 * A query parameter that is an integer: the decimal text of one becomes a
 * number, anything else stays a string for `@IsInt()` to refuse. class-
 * transformer's `@Type(() => Number)` is `Number(value)`, which takes
 * `" 1"`, `"1e0"`, `"0x1"` and `"1.0"` for 1 (and `""` for 0).
 *
 * @example
 * @QueryInt()
 * @IsInt()
 * @Min(1)
 * page = 1;
 */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value)
      ? Number(value)
      : value,
  );
}
