import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import {
  MIN_PASSWORD_LENGTH,
  MAX_PASSWORD_BYTES,
} from '../../auth/auth.constants';
import { Tier } from '../../auth/tier';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { USERNAME_PATTERN } from '../../users/username';

@ApiSchema({ name: 'CreateUserRequest' })
export class CreateUserDto {
  @ApiProperty({
    description: 'Stored lower-cased.',
    pattern: USERNAME_PATTERN.source,
    example: 'trader1',
  })
  @IsString()
  @Matches(USERNAME_PATTERN, {
    message:
      'username must be 3-64 characters of letters, digits, ".", "_" or "-"',
  })
  username!: string;

  @ApiProperty({
    description: `At least ${MIN_PASSWORD_LENGTH} characters, at most ${MAX_PASSWORD_BYTES} bytes of UTF-8.`,
    minLength: MIN_PASSWORD_LENGTH,
  })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;

  @ApiProperty(TIER_PROPERTY)
  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier!: Tier;
}
