import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Data of the `auth` message: a fresh access token of the socket's own user. */
export class AuthMessageDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  token!: string;
}
