import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { AdminUsersController } from './admin-users.controller';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { UserAdministrationService } from './user-administration.service';

@Module({
  imports: [AuthModule, UsersModule],
  controllers: [AdminUsersController],
  providers: [UserAdministrationService, BootstrapAdminService],
  exports: [UserAdministrationService],
})
export class AdminModule {}
