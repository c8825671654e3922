import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AdminAuditController } from './admin-audit.controller';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminUsersController } from './admin-users.controller';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { UserAdministrationService } from './user-administration.service';

@Module({
  imports: [
    AuthModule,
    CredentialsModule,
    RevocationModule,
    SessionsModule,
    UsersModule,
    AuditModule,
  ],
  controllers: [
    AdminUsersController,
    AdminSessionsController,
    AdminAuditController,
  ],
  providers: [UserAdministrationService, BootstrapAdminService],
  exports: [UserAdministrationService],
})
export class AdminModule {}
