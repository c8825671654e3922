import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { MaxUtf8Bytes } from '../../common/max-utf8-bytes.validator';

/**
 * Beyond this a value cannot be a refresh token of any format (ours are 66
 * characters): 400. Any string up to it is a token, perhaps an unknown one
 * (401 refresh_token_invalid, as the spec says), whatever it looks like.
 */
export const MAX_REFRESH_TOKEN_BYTES = 4096;

@ApiSchema({ name: 'RefreshRequest' })
export class RefreshDto {
  @ApiProperty({
    description:
      'The `refresh_token` of the login (or, with rotation on, of the last refresh); at most 4,096 bytes.',
  })
  @IsString()
  @MaxUtf8Bytes(MAX_REFRESH_TOKEN_BYTES)
  refresh_token!: string;
}
