import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** `GET /health/live`'s body. */
@ApiSchema({ name: 'Liveness' })
export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/** `GET /health/ready`'s body. */
@ApiSchema({ name: 'Readiness' })
export class ReadinessDto {
  @ApiProperty({
    enum: ['ready'],
    description:
      'The database answers, its migrations have run and the revocation state is loaded.',
  })
  status!: 'ready';
}
