import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog } from './audit-log.service';
import { AuditRetention } from './audit-retention.service';
import { AuditTrail } from './audit-trail.service';
import { AuthEvent } from './auth-event.entity';

/**
 * The audit trail: `AuditTrail.record(event)` for any module that has
 * something to record, `AuditLog` for reading it. Depends on nothing above
 * common/, config/ and database/, so every feature can import it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent])],
  providers: [AuditTrail, AuditLog, AuditRetention],
  exports: [AuditTrail, AuditLog],
})
export class AuditModule {}
