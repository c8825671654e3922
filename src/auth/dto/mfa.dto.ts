import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { MAX_PASSWORD_BYTES } from '../auth.constants';
import { IsSecondFactorCode, IsTotpCode } from './second-factor-code';

/** `<id>.<secret>` as MfaChallenges mints it; anything longer is no mfa_token. */
const MFA_TOKEN_MAX = 128;

@ApiSchema({ name: 'LoginMfaRequest' })
export class LoginMfaDto {
  @ApiProperty({
    description:
      'The `mfa_token` of the `401 mfa_required` answer to `POST /auth/login`.',
    maxLength: MFA_TOKEN_MAX,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MFA_TOKEN_MAX)
  mfa_token!: string;

  @IsSecondFactorCode()
  code!: string;

  @ApiPropertyOptional({
    description:
      'The `device_token` of an earlier login from this device: returned as is when still trusted, instead of a new one.',
  })
  @IsOptionalNotNull()
  @IsString()
  device_token?: string;
}

@ApiSchema({ name: 'PasswordConfirmation' })
export class PasswordConfirmationDto {
  @ApiProperty({
    description: 'Your account password, checked and rate-limited as a login.',
    minLength: 1,
  })
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;
}

@ApiSchema({ name: 'TotpConfirmation' })
export class TotpConfirmationDto {
  @IsTotpCode()
  code!: string;
}

@ApiSchema({ name: 'SecondFactorCode' })
export class SecondFactorCodeDto {
  @IsSecondFactorCode()
  code!: string;
}

@ApiSchema({ name: 'DisableTotpRequest' })
export class DisableTotpDto extends PasswordConfirmationDto {
  @IsSecondFactorCode()
  code!: string;
}
