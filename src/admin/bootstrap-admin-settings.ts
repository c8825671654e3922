import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Tier } from '../auth/tier';
import { describeValidationErrors } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import { CreateUserDto } from './dto/create-user.dto';

/**
 * BOOTSTRAP_ADMIN_USERNAME / _PASSWORD must pass the rules POST /admin/users
 * applies (the same DTO checks them), or the server does not start: an admin
 * named "a b" or with the password "admin" would otherwise be created
 * silently. Run by main.ts right after loadConfig; the message never
 * contains the password.
 */
export function checkBootstrapAdmin(
  config: Pick<AppConfig, 'bootstrapAdminUsername' | 'bootstrapAdminPassword'>,
): void {
  const { bootstrapAdminUsername: username, bootstrapAdminPassword: password } =
    config;
  if (username === undefined || password === undefined) return;
  const errors = validateSync(
    plainToInstance(CreateUserDto, {
      username,
      password,
      permission_tier: Tier.Admin,
    }),
  );
  if (errors.length === 0) return;
  const message = describeValidationErrors(errors);
  const field = errors[0].property === 'password' ? 'PASSWORD' : 'USERNAME';
  throw new ConfigError(
    `BOOTSTRAP_ADMIN_${field} ${message.replace(/^\w+ /, '')}`,
  );
}
