import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { RevocationModule } from '../revocation/revocation.module';
import { Session } from './entities/session.entity';
import { SessionAdministration } from './services/session-administration.service';
import { SessionActivity } from './services/session-activity';
import { SessionService } from './services/session.service';

/**
 * Sessions: the refresh tokens (stored as their hash), their rotation and
 * reuse detection, last-use activity, and the listing and ending of sessions
 * for their owner and for admins. No controller: `/auth/sessions` is served
 * by AuthModule (its controller needs @CurrentUser from auth/, which is above
 * this folder), so the CLI can import this module without HTTP.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), RevocationModule, AuditModule],
  providers: [SessionService, SessionActivity, SessionAdministration],
  exports: [SessionService, SessionAdministration],
})
export class SessionsModule {}
