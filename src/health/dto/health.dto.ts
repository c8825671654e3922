import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** `GET /health`'s body, for the OpenAPI document. */
@ApiSchema({ name: 'Health' })
export class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    description:
      '`degraded`: REDIS_URL is set and Redis does not answer; the instance still serves.',
  })
  status!: 'ok' | 'degraded';

  @ApiPropertyOptional({ enum: ['unavailable'] })
  redis?: 'unavailable';
}
