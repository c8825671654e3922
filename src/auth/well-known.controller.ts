import { Controller, Get, Headers, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { AppConfig } from '../config/app-config';
import { SigningKeys } from '../tokens/signing-keys.service';
import { Public } from './decorators/public.decorator';
import {
  AuthorizationServerMetadataDto,
  JsonWebKeySetDto,
} from './dto/introspect.dto';

/**
 * Discovery: the public keys (RFC 7517) that verify access tokens without
 * holding anything that mints them, and the RFC 8414 metadata that says
 * where they and introspection are.
 */
@ApiTags('discovery')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly keys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  /**
   * Cached by verifiers for JWKS_MAX_AGE: a key appears here at least that
   * long before it signs, and stays until the last token it signed expired.
   */
  @ApiOperation({
    summary: 'The public keys that verify access tokens (JWKS)',
    description:
      'Under ES256/EdDSA. `Cache-Control: public, max-age=<JWKS_MAX_AGE>` and an `ETag` (send `If-None-Match` for a 304). 404 under HS256, which has no public key.',
  })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: JsonWebKeySetDto })
  @ApiNotModifiedResponse({ description: 'The ETag sent is still current.' })
  @ApiErrors(ErrorCode.NotFound)
  @Public()
  @Get('jwks.json')
  jwks(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): unknown {
    if (!this.keys.enabled)
      throw new ApiException(
        ErrorCode.NotFound,
        'No JWKS: access tokens are HS256 (JWT_ALGORITHM), verified with the shared JWT_SECRET',
      );
    const { document, etag } = this.keys.jwks();
    reply.header('Cache-Control', `public, max-age=${this.config.jwksMaxAge}`);
    reply.header('ETag', etag);
    if (ifNoneMatch !== undefined && ifNoneMatch === etag) {
      reply.status(304);
      return undefined;
    }
    return document;
  }

  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414)',
    description:
      '`jwks_uri` only under ES256/EdDSA. URLs are built from the request (its Host, and X-Forwarded-* from a trusted proxy).',
  })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto })
  @Public()
  @Get('oauth-authorization-server')
  metadata(@Req() request: FastifyRequest): AuthorizationServerMetadataDto {
    const base = `${request.protocol}://${request.host}`;
    return {
      issuer: this.config.jwtIssuer,
      ...(this.keys.enabled && { jwks_uri: `${base}/.well-known/jwks.json` }),
      introspection_endpoint: `${base}/auth/introspect`,
    };
  }
}
