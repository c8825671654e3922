import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_PASSWORD_BYTES } from '../../auth/auth.constants';
import { Tier } from '../../auth/tier';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { MAX_ALLOWLIST_ENTRIES } from '../ip-allowlist';

/** Longest lifetime a key can be given; without expires_in_days it does not expire. */
export const MAX_EXPIRES_IN_DAYS = 3650;

export class CreateApiKeyDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name!: string;

  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier!: Tier;

  /** Addresses or CIDRs; each is parsed by ApiKeysService (400 names the bad one). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWLIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ip_allowlist?: string[];

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRES_IN_DAYS)
  expires_in_days?: number;

  /** The account password, checked and rate-limited as a login. */
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;
}
