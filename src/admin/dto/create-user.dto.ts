import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import {
  MIN_PASSWORD_LENGTH,
  MAX_PASSWORD_BYTES,
} from '../../auth/auth.constants';
import { Tier } from '../../auth/tier';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { USERNAME_PATTERN } from '../../users/username';

export class CreateUserDto {
  @IsString()
  @Matches(USERNAME_PATTERN, {
    message:
      'username must be 3-64 characters of letters, digits, ".", "_" or "-"',
  })
  username!: string;

  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;

  @IsInt()
  @Min(Tier.Monitor)
  @Max(Tier.Admin)
  permission_tier!: Tier;
}
