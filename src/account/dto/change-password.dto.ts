import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MinLength } from 'class-validator';
import {
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_LENGTH,
} from '../../auth/auth.constants';
import { IsOptionalSecondFactorCode } from '../../auth/dto/second-factor-code';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';

@ApiSchema({ name: 'ChangePasswordRequest' })
export class ChangePasswordDto {
  @ApiProperty({
    description: 'Your password now, checked and rate-limited as a login.',
    minLength: 1,
  })
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  current_password!: string;

  /** The rules of `POST /admin/users`' password. */
  @ApiProperty({
    description: `At least ${MIN_PASSWORD_LENGTH} characters, at most ${MAX_PASSWORD_BYTES} bytes of UTF-8 (as for POST /admin/users).`,
    minLength: MIN_PASSWORD_LENGTH,
  })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  new_password!: string;

  @IsOptionalSecondFactorCode(
    'With the second factor on: a code, unless the session stepped up (or logged in with a code) within the last 5 minutes.',
  )
  code?: string;
}
