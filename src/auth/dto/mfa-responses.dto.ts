import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type {
  MfaStatus,
  RecoveryCodeSet,
} from '../../credentials/services/mfa-enrolment.service';
import { RECOVERY_CODE_COUNT } from '../../credentials/services/recovery-codes.service';
import type { TotpEnrolment } from '../../credentials/services/totp-factors.service';

// Response bodies of /auth/mfa/..., for the OpenAPI document only (as in
// auth-responses.dto.ts: they implement what the handlers return).

@ApiSchema({ name: 'TotpStatus' })
export class TotpStatusDto {
  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Unix epoch seconds; null when the factor is off.',
  })
  enabled_at!: number | null;
}

@ApiSchema({ name: 'MfaStatus' })
export class MfaStatusDto implements MfaStatus {
  @ApiProperty({ type: TotpStatusDto })
  totp!: TotpStatusDto;

  @ApiProperty({
    type: 'integer',
    description: 'Unused recovery codes (0 when the factor is off).',
  })
  recovery_codes_remaining!: number;
}

@ApiSchema({ name: 'TotpEnrolment' })
export class TotpEnrolmentDto implements TotpEnrolment {
  @ApiProperty({
    description:
      'The TOTP seed in base32, for typing into an authenticator app (SHA-1, 6 digits, 30 s). Shown once.',
  })
  secret!: string;

  @ApiProperty({
    description:
      '`otpauth://totp/<issuer>:<username>?secret=…&issuer=…`, for a QR code.',
  })
  otpauth_uri!: string;

  @ApiProperty({
    type: 'integer',
    description:
      'Seconds left to confirm the enrolment with `POST /auth/mfa/totp/confirm`.',
  })
  expires_in!: number;
}

@ApiSchema({ name: 'RecoveryCodeSet' })
export class RecoveryCodeSetDto implements RecoveryCodeSet {
  @ApiProperty({
    type: [String],
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    description:
      'Each works once where a code is asked for. Shown once; only their hashes are stored.',
    example: [
      'abcd-efgh-2345-wxyz',
      'bcde-fghi-3456-xyza',
      'cdef-ghij-4567-yzab',
      'defg-hijk-5672-zabc',
      'efgh-ijkl-6723-abcd',
      'fghi-jklm-7234-bcde',
      'ghij-klmn-2345-cdef',
      'hijk-lmno-3456-defg',
      'ijkl-mnop-4567-efgh',
      'jklm-nopq-5672-fghi',
    ],
  })
  recovery_codes!: string[];
}
