import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { NO_CLIENT } from '../common/client-info';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { UserAdministrationService } from './user-administration.service';

/** Creates the first admin from BOOTSTRAP_ADMIN_*, or says how to when the database has no user. */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly admin: UserAdministrationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const {
      bootstrapAdminUsername: username,
      bootstrapAdminPassword: password,
    } = this.config;
    if (username && password) {
      if (await this.users.findByUsername(username)) return;
      try {
        await this.admin.create(username, password, Tier.Admin, NO_CLIENT);
      } catch (error) {
        // Replicas started together on a new database share these settings;
        // hashing the password leaves time for another to create the admin
        // first (1 of 3 then died with "already taken"). Theirs is as good.
        if (error instanceof ApiException && error.code === ErrorCode.Conflict)
          return;
        throw error;
      }
      this.logger.log(
        `created admin user "${username}" from BOOTSTRAP_ADMIN_USERNAME`,
      );
      return;
    }
    if ((await this.users.count()) === 0) {
      this.logger.warn(
        'No users yet. Create the first admin with `npm run cli -- users:create <name> --tier 4` ' +
          '(password read from stdin), or set BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD.',
      );
    }
  }
}
