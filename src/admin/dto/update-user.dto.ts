import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import {
  MIN_PASSWORD_LENGTH,
  MAX_PASSWORD_BYTES,
} from '../../auth/auth.constants';
import { Tier } from '../../auth/tier';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';

export class UpdateUserDto {
  @IsOptional()
  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier?: Tier;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password?: string;
}
