import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { MAX_PASSWORD_BYTES } from '../../auth/auth.constants';
import { SCOPES, type Scope } from '../../auth/scope';
import { Tier } from '../../auth/tier';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import type { ApiKeyType } from '../entities/api-key.entity';
import { IsOptionalSecondFactorCode } from '../../auth/dto/second-factor-code';
import { MAX_ALLOWLIST_ENTRIES } from '../ip-allowlist';

export const API_KEY_TYPES: readonly ApiKeyType[] = ['secret', 'ed25519'];
/** Room for an Ed25519 PEM SPKI (113 characters) with any line endings; more is no Ed25519 key. */
const MAX_PUBLIC_KEY_LENGTH = 1024;

/** Longest lifetime a key can be given; without expires_in_days it does not expire. */
export const MAX_EXPIRES_IN_DAYS = 3650;

@ApiSchema({ name: 'CreateApiKeyRequest' })
export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'mm-bot' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name!: string;

  @ApiPropertyOptional({
    enum: API_KEY_TYPES,
    default: 'secret',
    description:
      '`secret`: a bearer key, shown once. `ed25519`: you keep the private key and sign every request; only `public_key` is stored.',
  })
  @IsOptionalNotNull()
  @IsIn(API_KEY_TYPES)
  type?: ApiKeyType;

  /** Parsed by ApiKeysService (parseEd25519PublicKey: 400 says what is wrong). */
  @ApiPropertyOptional({
    maxLength: MAX_PUBLIC_KEY_LENGTH,
    description:
      'For `type: "ed25519"` only, and required there: the 32 raw bytes of the public key in base64, or a PEM SPKI (`-----BEGIN PUBLIC KEY-----`).',
    example: 'GmoY0Ahw5Nuv5a6vBz1VFHBpV5D6NWb3UhwOrQlVH3k=',
  })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(MAX_PUBLIC_KEY_LENGTH)
  public_key?: string;

  @ApiProperty({
    ...TIER_PROPERTY,
    description: `${TIER_PROPERTY.description} At most your own; from 3 up an ip_allowlist is required.`,
  })
  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier!: Tier;

  /** The creation rules (transfer needs an allowlist, unpinned trade expires) are ApiKeysService's. */
  @ApiPropertyOptional({
    enum: SCOPES,
    isArray: true,
    default: ['read'],
    description:
      'What the key may do. `transfer` needs an `ip_allowlist`; `trade` without one expires within API_KEY_UNPINNED_MAX_DAYS (90).',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];

  /** Addresses or CIDRs; each is parsed by ApiKeysService (400 names the bad one). */
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ALLOWLIST_ENTRIES,
    description:
      'IPv4/IPv6 addresses or CIDRs the key may be used from; none: any address.',
    example: ['203.0.113.7', '2001:db8::/48'],
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWLIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ip_allowlist?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_EXPIRES_IN_DAYS,
    description: 'Without it the key does not expire.',
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRES_IN_DAYS)
  expires_in_days?: number;

  /** The account password, checked and rate-limited as a login. */
  @ApiProperty({
    description: 'Your account password, checked and rate-limited as a login.',
    minLength: 1,
  })
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;

  /** With the second factor on: a code, unless the session stepped up within 5 minutes. */
  @IsOptionalSecondFactorCode(
    'With the second factor on: a code, unless the session stepped up (or logged in with a code) within the last 5 minutes.',
  )
  code?: string;
}
