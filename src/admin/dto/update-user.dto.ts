import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import {
  MIN_PASSWORD_LENGTH,
  MAX_PASSWORD_BYTES,
} from '../../auth/auth.constants';
import { Tier } from '../../auth/tier';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';

@ApiSchema({
  name: 'UpdateUserRequest',
  description: 'At least one of the fields.',
})
export class UpdateUserDto {
  @ApiPropertyOptional({
    ...TIER_PROPERTY,
    description: `${TIER_PROPERTY.description} A change revokes the user's access tokens.`,
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier?: Tier;

  @ApiPropertyOptional({
    description: 'true ends every session and API key of the user.',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({
    description: `At least ${MIN_PASSWORD_LENGTH} characters, at most ${MAX_PASSWORD_BYTES} bytes of UTF-8; ends every session and API key of the user.`,
    minLength: MIN_PASSWORD_LENGTH,
  })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password?: string;
}
