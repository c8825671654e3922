import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsString, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import { Tier } from '../tier';

/**
 * Beyond this a value cannot be one of our access tokens (they are about
 * 400 to 600 characters): 400, before any parsing.
 */
export const MAX_INTROSPECTED_TOKEN_BYTES = 4096;

/** RFC 7662 section 2.1, form-encoded (or JSON). */
@ApiSchema({ name: 'IntrospectionRequest' })
export class IntrospectDto {
  @ApiProperty({
    description: 'The access token to check; at most 4,096 bytes.',
    maxLength: MAX_INTROSPECTED_TOKEN_BYTES,
  })
  @IsString()
  @MinLength(1)
  @MaxUtf8Bytes(MAX_INTROSPECTED_TOKEN_BYTES)
  token!: string;

  @ApiPropertyOptional({
    description:
      'RFC 7662 hint; only `access_token` is introspected, any hint is accepted.',
    maxLength: 64,
  })
  @IsOptionalNotNull()
  @IsString()
  @MaxUtf8Bytes(64)
  token_type_hint?: string;
}

/** The answer for a live token; `{active: false}` alone for any other. */
export interface IntrospectionAnswer {
  active: boolean;
  sub?: string;
  username?: string;
  permission_tier?: Tier;
  exp?: number;
  iat?: number;
  jti?: string;
  iss?: string;
  aud?: string;
  token_type?: 'access_token';
}

@ApiSchema({ name: 'IntrospectionResponse' })
export class IntrospectionResponseDto implements IntrospectionAnswer {
  @ApiProperty({
    description:
      'Whether the token is live now: signed by this deployment, unexpired and unrevoked. When false, no other field is present.',
  })
  active!: boolean;

  @ApiPropertyOptional({ description: 'The user id, as a string.' })
  sub?: string;

  @ApiPropertyOptional()
  username?: string;

  @ApiPropertyOptional(TIER_PROPERTY)
  permission_tier?: Tier;

  @ApiPropertyOptional({ type: 'integer', description: 'Unix epoch seconds.' })
  exp?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Unix epoch seconds.' })
  iat?: number;

  @ApiPropertyOptional()
  jti?: string;

  @ApiPropertyOptional()
  iss?: string;

  @ApiPropertyOptional()
  aud?: string;

  @ApiPropertyOptional({ enum: ['access_token'] })
  token_type?: 'access_token';
}

@ApiSchema({ name: 'JsonWebKey' })
export class JsonWebKeyDto {
  @ApiProperty({ enum: ['EC', 'OKP'] })
  kty!: string;

  @ApiProperty({ enum: ['P-256', 'Ed25519'] })
  crv!: string;

  @ApiProperty({ description: 'base64url' })
  x!: string;

  @ApiPropertyOptional({ description: 'base64url; EC keys only.' })
  y?: string;

  @ApiProperty({
    description: 'The key id access tokens carry in their header.',
  })
  kid!: string;

  @ApiProperty({ enum: ['ES256', 'EdDSA'] })
  alg!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: string;
}

@ApiSchema({ name: 'JsonWebKeySet' })
export class JsonWebKeySetDto {
  @ApiProperty({
    type: [JsonWebKeyDto],
    description:
      'The public keys: next (not signing yet), current and previous (still verifying).',
  })
  keys!: JsonWebKeyDto[];
}

@ApiSchema({ name: 'AuthorizationServerMetadata' })
export class AuthorizationServerMetadataDto {
  @ApiProperty({ description: 'The `iss` of access tokens (JWT_ISSUER).' })
  issuer!: string;

  @ApiPropertyOptional({
    description: 'Under ES256/EdDSA only: where the public keys are.',
  })
  jwks_uri?: string;

  @ApiProperty()
  introspection_endpoint!: string;
}
