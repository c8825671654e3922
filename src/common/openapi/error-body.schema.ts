import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ErrorBody } from '../error-body';
import { ErrorCode } from '../error-codes';
import { ERROR_BODY_SCHEMA } from './openapi.constants';

/** `{error, code}` for the OpenAPI document; each error response narrows `code` to what that route can send. */
@ApiSchema({
  name: ERROR_BODY_SCHEMA,
  description: 'The body of every non-2xx response.',
})
export class ErrorBodySchema implements ErrorBody {
  @ApiProperty({
    description: 'Human-readable message; not for programs to match on.',
    example: 'Access token has expired',
  })
  error!: string;

  @ApiProperty({
    enum: Object.values(ErrorCode),
    enumName: 'ErrorCode',
    description:
      'Machine-readable code; stable: new ones may be added, none is renamed.',
  })
  code!: ErrorCode;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      "With `timestamp_out_of_window` only: the server's clock (ms since the epoch) to sign against.",
  })
  server_time?: number;

  @ApiPropertyOptional({
    description:
      'With `mfa_required` only: the opaque, single-use token to send to `POST /auth/login/mfa` with a code.',
  })
  mfa_token?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'With `mfa_required` only: seconds `mfa_token` can be used in.',
  })
  mfa_expires_in?: number;
}
