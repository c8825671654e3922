import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { AppConfig } from '../config/app-config';
import { RequireScope } from './decorators/require-scope.decorator';
import { RequireTier } from './decorators/require-tier.decorator';
import {
  IntrospectDto,
  IntrospectionAnswer,
  IntrospectionResponseDto,
} from './dto/introspect.dto';
import { Scope } from './scope';
import { AccessTokenAuthenticator } from './services/access-token-authenticator.service';
import { Tier } from './tier';

/**
 * RFC 7662 token introspection, for services that must see a revocation at
 * once rather than when the token expires: the same verification and
 * revocation check as every request here, so the answer is as fresh as
 * `/auth/me`'s. A tier-4 session or a tier-4 key with the `introspect`
 * scope (the one `/auth` route built for programs besides `me` and the
 * socket ticket).
 */
@ApiTags('auth')
@Controller('auth')
export class IntrospectionController {
  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly config: AppConfig,
  ) {}

  @ApiOperation({
    summary: 'Whether an access token is live now (RFC 7662)',
    description:
      '`token=<access token>`, form-encoded as RFC 7662 says, or JSON. A revoked, expired, forged or unknown token answers 200 `{"active": false}` and nothing else.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: IntrospectDto })
  @ApiOkResponse({ type: IntrospectionResponseDto })
  @ApiErrors(ErrorCode.ValidationError)
  @RequireTier(Tier.Admin)
  @RequireScope(Scope.Introspect)
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async introspect(@Body() body: IntrospectDto): Promise<IntrospectionAnswer> {
    let principal;
    try {
      principal = await this.authenticator.authenticate(body.token);
    } catch (error) {
      if (error instanceof ApiException) return { active: false };
      throw error;
    }
    return {
      active: true,
      sub: String(principal.id),
      username: principal.username,
      permission_tier: principal.tier,
      exp: principal.expiresAt,
      ...(principal.issuedAt !== undefined && { iat: principal.issuedAt }),
      jti: principal.jti,
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      token_type: 'access_token',
    };
  }
}
