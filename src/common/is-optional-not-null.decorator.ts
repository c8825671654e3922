import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateIf } from 'class-validator';

/**
 * An optional field: absent is fine, `null` is a 400 like any other wrong
 * type. class-validator's `@IsOptional()` skips the field's rules for `null`
 * too, so `{"password": null}` reached the service (500) and
 * `{"expires_in_days": null}` made a key that had already expired. Use this
 * instead of `@IsOptional()` (ESLint refuses the import of the latter).
 *
 * @example
 * @IsOptionalNotNull()
 * @IsBoolean()
 * disabled?: boolean;
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_object, value) => value !== undefined),
    IsDefined({ message: '$property must not be null' }),
  );
}
