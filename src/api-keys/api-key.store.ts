import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { User } from '../users/entities/user.entity';
import { ApiKey } from './entities/api-key.entity';

/** A key row with what verifying it needs to know of its owner. */
export interface KeyWithOwner {
  key: ApiKey;
  owner: Pick<
    User,
    'username' | 'permissionTier' | 'disabled' | 'tokenVersion' | 'sessionEpoch'
  >;
}

/** The api_keys table. */
@Injectable()
export class ApiKeyStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  async insert(key: ApiKey): Promise<void> {
    await this.dataSource.getRepository(ApiKey).insert(key);
  }

  /** One query: the key and its owner, or undefined for an unknown id. */
  async findWithOwner(id: string): Promise<KeyWithOwner | undefined> {
    const key = await this.dataSource
      .getRepository(ApiKey)
      .findOne({ where: { id }, relations: { user: true } });
    if (!key?.user) return undefined;
    const { user, ...rest } = key;
    return { key: rest, owner: user };
  }

  /** Keys that still work: not revoked, not expired, created under the owner's current epoch. */
  async listLive(
    userId: number,
    sessionEpoch: number,
    nowMs: number,
  ): Promise<ApiKey[]> {
    return this.dataSource
      .getRepository(ApiKey)
      .createQueryBuilder('k')
      .where('k.user_id = :userId', { userId })
      .andWhere('k.revoked_at IS NULL')
      .andWhere('k.session_epoch = :sessionEpoch', { sessionEpoch })
      .andWhere('(k.expires_at IS NULL OR k.expires_at > :now)', {
        now: nowMs,
      })
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .getMany();
  }

  /** Marks one of the user's unrevoked keys revoked; the key as it was, or undefined. */
  async markRevoked(
    manager: EntityManager,
    userId: number,
    id: string,
    nowMs: number,
  ): Promise<ApiKey | undefined> {
    const repository = manager.getRepository(ApiKey);
    const key = await repository.findOne({
      where: { id, userId, revokedAt: IsNull() },
    });
    if (!key) return undefined;
    const result = await repository.update(
      { id, userId, revokedAt: IsNull() },
      { revokedAt: nowMs },
    );
    // Revoked by a concurrent request in between: that one announces it.
    return result.affected === 0 ? undefined : key;
  }

  /** Marks every unrevoked key of the user revoked; the keys it marked, as they were. */
  async markAllRevoked(
    manager: EntityManager,
    userId: number,
    nowMs: number,
  ): Promise<ApiKey[]> {
    const repository = manager.getRepository(ApiKey);
    const keys = await repository.find({
      where: { userId, revokedAt: IsNull() },
    });
    if (keys.length === 0) return [];
    await repository.update(
      { userId, revokedAt: IsNull() },
      { revokedAt: nowMs },
    );
    return keys;
  }

  /**
   * Background write of last uses, in one transaction: on SQLite each
   * commit is a synchronous disk write on the event loop, and a thousand
   * keys' first uses written one commit each stalled every request for
   * seconds (seen in the bench).
   */
  async recordUses(
    uses: readonly { id: string; atMs: number; ip: string | null }[],
  ): Promise<void> {
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ApiKey);
      for (const use of uses)
        await repository.update(
          { id: use.id },
          { lastUsedAt: use.atMs, lastUsedIp: use.ip },
        );
    });
  }

  async ownerExists(userId: number): Promise<boolean> {
    return this.dataSource
      .getRepository(User)
      .exists({ where: { id: userId } });
  }

  async owner(
    userId: number,
  ): Promise<Pick<User, 'id' | 'sessionEpoch' | 'permissionTier'> | null> {
    return this.dataSource.getRepository(User).findOne({
      where: { id: userId },
      select: { id: true, sessionEpoch: true, permissionTier: true },
    });
  }
}
