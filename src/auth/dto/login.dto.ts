import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { MAX_PASSWORD_BYTES } from '../auth.constants';
import { IsOptionalSecondFactorCode } from './second-factor-code';

@ApiSchema({ name: 'LoginRequest' })
export class LoginDto {
  @ApiProperty({
    description:
      'Case-insensitive; surrounding whitespace is ignored. A name that no account could have fails like a wrong password.',
    minLength: 1,
    maxLength: 64,
    example: 'trader1',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username!: string;

  @ApiProperty({
    description: 'At most 1,024 bytes of UTF-8; never truncated.',
    minLength: 1,
    example: 'secret-password',
  })
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;

  /**
   * A trusted device token from an earlier login. Any string is accepted:
   * one that does not check out (unknown, expired, another user's, too
   * long) is ignored, never an error.
   */
  @ApiPropertyOptional({
    description:
      'The `device_token` of an earlier login from this device: exempts the login from the per-account failure budget.',
  })
  @IsOptionalNotNull()
  @IsString()
  device_token?: string;

  /** For scripts: the second factor in the same request, instead of the mfa_token round trip. */
  @IsOptionalSecondFactorCode(
    'For an account with a second factor: log in in one request. Ignored for an account without one.',
  )
  otp?: string;
}
