import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
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
}
