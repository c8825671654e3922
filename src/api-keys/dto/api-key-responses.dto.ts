import {
  ApiProperty,
  ApiPropertyOptional,
  ApiSchema,
  OmitType,
} from '@nestjs/swagger';
import { SCOPES, type Scope } from '../../auth/scope';
import type { Tier } from '../../auth/tier';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import type { ApiKeyView } from '../api-key-view';
import type { CreatedApiKey } from '../api-keys.service';

// Response bodies of the API key routes, for the OpenAPI document only: the
// handlers return the interfaces these classes implement.

@ApiSchema({ name: 'ApiKey' })
export class ApiKeyViewDto implements ApiKeyView {
  @ApiProperty({ description: '22 characters of A-Z, a-z, 0-9, "-", "_".' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['secret', 'ed25519'] })
  type!: 'secret' | 'ed25519';

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      "An ed25519 key's public key: 32 bytes in base64. null for a secret key.",
  })
  public_key!: string | null;

  @ApiProperty(TIER_PROPERTY)
  permission_tier!: Tier;

  @ApiProperty({
    enum: SCOPES,
    isArray: true,
    description:
      'What the key may do: `read` (every GET), `trade`, `transfer`, `introspect` where a route declares it.',
  })
  scopes!: Scope[];

  @ApiProperty({
    type: [String],
    description: 'Addresses and CIDRs; empty: any address.',
  })
  ip_allowlist!: string[];

  @ApiProperty({ type: 'integer', description: 'Unix epoch seconds.' })
  created_at!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Unix epoch seconds; null: never expires.',
  })
  expires_at!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Unix epoch seconds; written in the background.',
  })
  last_used_at!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  last_used_ip!: string | null;
}

@ApiSchema({ name: 'ApiKeyList' })
export class ApiKeyListDto {
  @ApiProperty({
    type: [ApiKeyViewDto],
    description: 'Live keys only; never a secret.',
  })
  items!: ApiKeyViewDto[];
}

@ApiSchema({ name: 'CreatedApiKey' })
export class CreatedApiKeyDto
  extends OmitType(ApiKeyViewDto, ['last_used_at', 'last_used_ip'] as const)
  implements CreatedApiKey
{
  @ApiPropertyOptional({
    description:
      'A secret key, `tak_<id>.<secret>`: in this response only. Send it as `X-API-Key`. Absent for an ed25519 key, which has no secret (send `X-API-Key: <id>` and sign).',
  })
  key?: string;
}
