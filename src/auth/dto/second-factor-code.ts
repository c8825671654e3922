import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import {
  SECOND_FACTOR_CODE_FORMAT,
  TOTP_CODE_FORMAT,
} from '../../credentials/services/second-factor-check.service';

const CODE_DESCRIPTION =
  'A 6-digit TOTP code from the authenticator app, or one of the recovery codes (`xxxx-xxxx-xxxx-xxxx`, hyphens and case optional; each works once).';

/** A required `code`: a TOTP code or a recovery code. */
export function IsSecondFactorCode(description = CODE_DESCRIPTION) {
  return applyDecorators(
    ApiProperty({
      description,
      pattern: SECOND_FACTOR_CODE_FORMAT.source,
      example: '123456',
    }),
    IsString(),
    Matches(SECOND_FACTOR_CODE_FORMAT, {
      message:
        '$property must be a 6-digit TOTP code or a recovery code (xxxx-xxxx-xxxx-xxxx)',
    }),
  );
}

/** An optional `code` (null is a 400, as everywhere). */
export function IsOptionalSecondFactorCode(description: string) {
  return applyDecorators(
    ApiPropertyOptional({
      description: `${description} ${CODE_DESCRIPTION}`,
      pattern: SECOND_FACTOR_CODE_FORMAT.source,
      example: '123456',
    }),
    IsOptionalNotNull(),
    IsString(),
    Matches(SECOND_FACTOR_CODE_FORMAT, {
      message:
        '$property must be a 6-digit TOTP code or a recovery code (xxxx-xxxx-xxxx-xxxx)',
    }),
  );
}

/** A TOTP code only (confirming an enrolment: there are no recovery codes yet). */
export function IsTotpCode() {
  return applyDecorators(
    ApiProperty({
      description: 'The 6-digit code the authenticator app shows now.',
      pattern: TOTP_CODE_FORMAT.source,
      example: '123456',
    }),
    IsString(),
    Matches(TOTP_CODE_FORMAT, { message: '$property must be 6 digits' }),
  );
}
