import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';
import { MAX_PASSWORD_BYTES } from '../auth.constants';

export class LoginDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username!: string;

  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_PASSWORD_BYTES)
  password!: string;

  /**
   * A trusted device token from an earlier login. Any string is accepted:
   * one that does not check out (unknown, expired, another user's, too
   * long) is ignored, never an error.
   */
  @IsOptional()
  @IsString()
  device_token?: string;
}
