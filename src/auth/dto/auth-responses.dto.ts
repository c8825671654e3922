import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import type { LoginResponse, RefreshResponse } from '../services/auth.service';
import type { IssuedTicket } from '../services/ws-ticket.service';
import type { SessionView } from '../../sessions/session-view';
import { Tier } from '../tier';

// Response bodies of /auth/..., for the OpenAPI document only: the handlers
// return the interfaces these classes implement, so a field added there and
// not here fails to compile.

@ApiSchema({ name: 'LoginResponse' })
export class LoginResponseDto implements LoginResponse {
  @ApiProperty({
    description:
      'JWT for API requests: `Authorization: Bearer <access_token>`.',
  })
  access_token!: string;

  @ApiProperty({ description: 'Opaque; use with `POST /auth/refresh`.' })
  refresh_token!: string;

  @ApiProperty({
    type: 'integer',
    description: 'Unix epoch seconds when the access token expires.',
  })
  access_expires_at!: number;

  @ApiProperty(TIER_PROPERTY)
  permission_tier!: Tier;

  @ApiProperty({
    description:
      'Trusted device token: send it back with later logins from this device.',
  })
  device_token!: string;
}

@ApiSchema({ name: 'RefreshResponse' })
export class RefreshResponseDto implements RefreshResponse {
  @ApiProperty()
  access_token!: string;

  @ApiProperty({ type: 'integer', description: 'Unix epoch seconds.' })
  access_expires_at!: number;

  @ApiPropertyOptional({
    description:
      'With REFRESH_ROTATION=on only: the refresh token to use next; the one presented is retired.',
  })
  refresh_token?: string;
}

@ApiSchema({ name: 'Me' })
export class MeResponseDto {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty()
  username!: string;

  @ApiProperty(TIER_PROPERTY)
  permission_tier!: Tier;

  @ApiPropertyOptional({
    type: [String],
    description:
      'How the user authenticated (RFC 8176): `["pwd"]`, or `["pwd","otp"]` with the second factor. Absent for an API key.',
    example: ['pwd', 'otp'],
  })
  amr?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Unix epoch seconds of the last interactive authentication (login or step-up; a refresh is none). Absent for an API key.',
  })
  auth_time?: number;
}

@ApiSchema({ name: 'WsTicket' })
export class WsTicketResponseDto implements IssuedTicket {
  @ApiProperty({
    description:
      'Opens one socket at `/ws?ticket=<ticket>`, once, from the client address that asked for it.',
  })
  ticket!: string;

  @ApiProperty({ type: 'integer', description: 'Seconds it can be used in.' })
  expires_in!: number;
}

@ApiSchema({ name: 'Session' })
export class SessionViewDto implements SessionView {
  @ApiProperty()
  id!: string;

  @ApiProperty({ type: 'integer', description: 'Unix epoch seconds.' })
  created_at!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Unix epoch seconds of the login or the last refresh.',
  })
  last_used_at!: number;

  @ApiProperty({ type: 'string', nullable: true })
  ip!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The first 256 characters.',
  })
  user_agent!: string | null;

  @ApiProperty({
    description: 'Whether the request was made with this session.',
  })
  current!: boolean;
}

@ApiSchema({ name: 'SessionList' })
export class SessionListDto {
  @ApiProperty({ type: [SessionViewDto], description: 'Newest first.' })
  items!: SessionViewDto[];
}
