import { Module } from '@nestjs/common';
import { RevocationModule } from '../revocation/revocation.module';
import { HealthController } from './health.controller';
import { Readiness } from './readiness.service';

@Module({
  imports: [RevocationModule],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}
