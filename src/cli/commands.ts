import { INestApplicationContext } from '@nestjs/common';
import { UserAdministrationService } from '../admin/user-administration.service';
import { toUserView } from '../admin/user-view';
import { ALL_TIERS, Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { NO_CLIENT } from '../common/client-info';
import { ErrorCode } from '../common/error-codes';
import { User } from '../users/entities/user.entity';
import { SigningKeys, SigningKeyView } from '../tokens/signing-keys.service';
import { UsersService } from '../users/users.service';
import { readPassword } from './read-password';

export interface CommandInput {
  args: string[];
  tier?: string;
}

type Command = (
  app: INestApplicationContext,
  input: CommandInput,
) => Promise<string>;

function parseTier(value: string | undefined): Tier {
  const tier = ALL_TIERS.find((candidate) => String(candidate) === value);
  if (tier === undefined) {
    throw new ApiException(
      ErrorCode.ValidationError,
      `tier must be 1 (Monitor), 2 (Trader), 3 (Power) or 4 (Admin), got "${value ?? ''}"`,
    );
  }
  return tier;
}

function requireArg(input: CommandInput, index: number, name: string): string {
  const value = input.args[index];
  if (!value)
    throw new ApiException(ErrorCode.ValidationError, `missing <${name}>`);
  return value;
}

async function userNamed(
  app: INestApplicationContext,
  username: string,
): Promise<User> {
  const user = await app.get(UsersService).findByUsername(username);
  if (!user)
    throw new ApiException(ErrorCode.NotFound, `no user named "${username}"`);
  return user;
}

const iso = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString();

function keyLine(key: SigningKeyView): string {
  return [
    key.kid,
    key.slot,
    key.alg,
    key.revoked ? 'revoked' : key.state,
    iso(key.activatedAt),
    iso(key.retiredAt),
  ].join('\t');
}

/** The operator commands; each uses the same services as the admin API. */
export const COMMANDS: Record<string, { usage: string; run: Command }> = {
  'users:create': {
    usage:
      'users:create <username> --tier <1-4>   (password from stdin or a prompt)',
    async run(app, input) {
      const username = requireArg(input, 0, 'username');
      const tier = parseTier(input.tier);
      const password = await readPassword(`Password for ${username}: `);
      // Loaded here: class-validator costs every other command a tenth of a second.
      const [
        { validate },
        { plainToInstance },
        { CreateUserDto },
        { describeValidationErrors },
      ] = await Promise.all([
        import('class-validator'),
        import('class-transformer'),
        import('../admin/dto/create-user.dto'),
        import('../common/validation'),
      ]);
      const dto = plainToInstance(CreateUserDto, {
        username,
        password,
        permission_tier: tier,
      });
      const errors = await validate(dto);
      if (errors.length > 0)
        throw new ApiException(
          ErrorCode.ValidationError,
          describeValidationErrors(errors),
        );
      const user = await app
        .get(UserAdministrationService)
        .create(username, password, tier, NO_CLIENT);
      return `created user ${user.id} "${user.username}" with tier ${user.permissionTier} (${Tier[user.permissionTier]})`;
    },
  },
  'users:list': {
    usage: 'users:list',
    async run(app) {
      const lines = ['id\tusername\ttier\tdisabled'];
      for (let page = 1; ; page++) {
        const result = await app.get(UserAdministrationService).list(page, 100);
        for (const user of result.items.map(toUserView)) {
          lines.push(
            `${user.id}\t${user.username}\t${user.permission_tier}\t${user.disabled}`,
          );
        }
        if (page * 100 >= result.total) break;
      }
      return lines.join('\n');
    },
  },
  'users:set-tier': {
    usage:
      "users:set-tier <username> --tier <1-4>   (revokes the user's access tokens)",
    async run(app, input) {
      const user = await userNamed(app, requireArg(input, 0, 'username'));
      const tier = parseTier(input.tier ?? input.args[1]);
      await app
        .get(UserAdministrationService)
        .update(user.id, { permission_tier: tier }, NO_CLIENT);
      return `"${user.username}" now has tier ${tier} (${Tier[tier]}); their access tokens are revoked`;
    },
  },
  'users:disable': {
    usage: 'users:disable <username>   (ends all sessions)',
    async run(app, input) {
      const user = await userNamed(app, requireArg(input, 0, 'username'));
      await app
        .get(UserAdministrationService)
        .update(user.id, { disabled: true }, NO_CLIENT);
      return `"${user.username}" is disabled; all sessions ended`;
    },
  },
  'users:enable': {
    usage: 'users:enable <username>',
    async run(app, input) {
      const user = await userNamed(app, requireArg(input, 0, 'username'));
      await app
        .get(UserAdministrationService)
        .update(user.id, { disabled: false }, NO_CLIENT);
      return `"${user.username}" is enabled`;
    },
  },
  'sessions:revoke': {
    usage:
      'sessions:revoke <username>   (refresh tokens revoked, access tokens rejected)',
    async run(app, input) {
      const user = await userNamed(app, requireArg(input, 0, 'username'));
      await app
        .get(UserAdministrationService)
        .revokeSessions(user.id, NO_CLIENT);
      return `all sessions of "${user.username}" are revoked`;
    },
  },
  'users:mfa-reset': {
    usage:
      'users:mfa-reset <username>   (removes the second factor, ends all sessions)',
    async run(app, input) {
      const user = await userNamed(app, requireArg(input, 0, 'username'));
      await app.get(UserAdministrationService).resetMfa(user.id, NO_CLIENT);
      return `the second factor of "${user.username}" is removed and all sessions ended; they log in with the password and enrol again`;
    },
  },
  'keys:list': {
    usage: 'keys:list   (every access-token signing key and its state)',
    async run(app) {
      const keys = await app.get(SigningKeys).list();
      return [
        'kid\tslot\talg\tstate\tsigns_from\tretires_at',
        ...keys.map(keyLine),
      ].join('\n');
    },
  },
  'keys:rotate': {
    usage:
      'keys:rotate   (publishes the next signing key; it signs after JWKS_MAX_AGE)',
    async run(app) {
      const key = await app.get(SigningKeys).rotate();
      return `next signing key ${key.kid} (${key.alg}, slot ${key.slot}) is published; it signs from ${iso(key.activatedAt)}`;
    },
  },
  'keys:revoke': {
    usage:
      'keys:revoke <kid>   (a compromised key: out of the JWKS, its tokens rejected; sessions survive)',
    async run(app, input) {
      const kid = requireArg(input, 0, 'kid');
      if (!(await app.get(SigningKeys).revoke(kid)))
        throw new ApiException(ErrorCode.NotFound, `no signing key "${kid}"`);
      return `signing key ${kid} is revoked: out of the JWKS, and the tokens it signed are rejected on every instance`;
    },
  },
  'keys:reencrypt': {
    usage:
      'keys:reencrypt   (seals private keys still under DATA_ENCRYPTION_KEY_PREVIOUS under DATA_ENCRYPTION_KEY)',
    async run(app) {
      const moved = await app.get(SigningKeys).reencrypt();
      return `${moved} signing key(s) sealed again under DATA_ENCRYPTION_KEY`;
    },
  },
};
