import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** `GET /time`'s body, for the OpenAPI document. */
@ApiSchema({ name: 'ServerTime' })
export class ServerTimeDto {
  @ApiProperty({
    type: 'integer',
    description: "This server's clock, ms since the epoch.",
  })
  server_time!: number;
}
