import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Not, QueryFailedError, Repository } from 'typeorm';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { Tier } from '../common/tier';
import { User } from './entities/user.entity';
import { normalizeUsername } from './username';

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
}

/** Storage of user accounts; knows nothing of tokens or passwords beyond the stored hash. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username: normalizeUsername(username) });
  }

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async getById(id: number): Promise<User> {
    const user = Number.isSafeInteger(id) ? await this.findById(id) : null;
    if (!user)
      throw new ApiException(ErrorCode.NotFound, `User ${id} does not exist`);
    return user;
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /** 409 conflict when the (case-insensitive) username is taken. */
  async create(
    username: string,
    passwordHash: string,
    tier: Tier,
  ): Promise<User> {
    const user = this.users.create({
      username: normalizeUsername(username),
      passwordHash,
      permissionTier: tier,
      disabled: false,
      tokenVersion: 0,
      tokensRevokedAt: null,
      createdAt: Date.now(),
      sessionEpoch: 0,
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      if (error instanceof QueryFailedError && isUniqueViolation(error)) {
        throw new ApiException(
          ErrorCode.Conflict,
          `Username "${user.username}" is already taken`,
        );
      }
      throw error;
    }
  }

  async update(id: number, changes: Partial<User>): Promise<void> {
    await this.users.update(id, changes);
  }

  /**
   * Applies `changes` and moves token_version up by one in one UPDATE, inside
   * `manager`'s transaction; returns the new version, or undefined when the
   * user does not exist.
   */
  async bumpTokenVersion(
    id: number,
    changes: Partial<User>,
    manager: EntityManager,
  ): Promise<number | undefined> {
    const result = await manager
      .createQueryBuilder()
      .update(User)
      .set({
        ...changes,
        tokenVersion: () => 'token_version + 1',
        tokensRevokedAt: Date.now(),
      })
      .where('id = :id', { id })
      .execute();
    if (result.affected === 0) return undefined;
    const user = await manager.findOne(User, {
      where: { id },
      select: { id: true, tokenVersion: true },
    });
    return user?.tokenVersion;
  }

  async list(page: number, perPage: number): Promise<Page<User>> {
    const [items, total] = await this.users.findAndCount({
      order: { id: 'ASC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
    return { items, total, page, per_page: perPage };
  }

  /** Enabled tier-4 users other than `exceptId`. */
  countActiveAdminsExcept(exceptId: number): Promise<number> {
    return this.users.countBy({
      id: Not(exceptId),
      permissionTier: Tier.Admin,
      disabled: false,
    });
  }
}

function isUniqueViolation(error: QueryFailedError): boolean {
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
