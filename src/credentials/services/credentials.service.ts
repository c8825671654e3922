import { Injectable } from '@nestjs/common';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { User } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';
import { PasswordHasher } from './password-hasher.service';

/**
 * Username + password -> user. A wrong password and an unknown user fail
 * with the same body after the same work (a dummy hash is verified for
 * unknown users), so the answer does not tell which usernames exist. Only a
 * correct password reveals that an account is disabled.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
  ) {}

  async check(username: string, password: string): Promise<User> {
    return this.verify(await this.users.findByUsername(username), password);
  }

  /** The password check of `check`, for a user already looked up (`null`: unknown). */
  async verify(user: User | null, password: string): Promise<User> {
    const valid = user
      ? await this.hasher.verify(user.passwordHash, password)
      : await this.hasher.verifyDummy(password);
    if (!user || !valid) {
      throw new ApiException(
        ErrorCode.InvalidCredentials,
        'Invalid username or password',
      );
    }
    if (user.disabled) {
      throw new ApiException(
        ErrorCode.AccountDisabled,
        'This account is disabled',
      );
    }
    return user;
  }
}
