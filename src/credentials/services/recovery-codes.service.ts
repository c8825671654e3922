import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Secret } from 'otpauth';
import { IsNull, Repository } from 'typeorm';
import { sha256Hex } from '../../common/sha256';
import { TransactionRunner } from '../../database/transaction-runner';
import { RecoveryCode } from '../entities/recovery-code.entity';

/** Codes in a set. */
export const RECOVERY_CODE_COUNT = 10;
/** 80 random bits each: 16 base32 characters. */
const CODE_BYTES = 10;

/**
 * A recovery code as typed: 16 base32 characters in four groups, hyphens
 * optional, any case (`abcd-efgh-2345-wxyz`). A TOTP code is 6 digits, so
 * the two never look alike.
 */
export const RECOVERY_CODE_FORMAT =
  /^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$/;

/** The form a code is hashed in: lower case, no hyphens. */
function normalise(code: string): string {
  return code.replace(/-/g, '').toLowerCase();
}

/**
 * Recovery codes: shown once, in sets of ten, each good for one use where a
 * TOTP code is asked for. Only SHA-256 hashes are stored: with 80 random
 * bits a code cannot be found from its hash, so no key is needed, and
 * changing DATA_ENCRYPTION_KEY leaves them working. Using one is one
 * conditional UPDATE, so two requests (or instances) cannot both spend it.
 */
@Injectable()
export class RecoveryCodes {
  constructor(
    @InjectRepository(RecoveryCode)
    private readonly codes: Repository<RecoveryCode>,
    private readonly transactions: TransactionRunner,
  ) {}

  /** A new set for the user; the old codes, used or not, are void. */
  async replace(userId: number): Promise<string[]> {
    const now = Date.now();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      (
        new Secret({ size: CODE_BYTES }).base32.toLowerCase().match(/.{4}/g) ??
        []
      ).join('-'),
    );
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(RecoveryCode);
      await repository.delete({ userId });
      await repository.insert(
        codes.map((code) => ({
          userId,
          codeHash: sha256Hex(normalise(code)),
          createdAt: now,
          usedAt: null,
        })),
      );
    });
    return codes;
  }

  /** Spends one of the user's unused codes; false when `code` is none of them. */
  async use(userId: number, code: string): Promise<boolean> {
    if (!RECOVERY_CODE_FORMAT.test(code)) return false;
    const result = await this.codes.update(
      { userId, codeHash: sha256Hex(normalise(code)), usedAt: IsNull() },
      { usedAt: Date.now() },
    );
    return result.affected === 1;
  }

  remaining(userId: number): Promise<number> {
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  async removeAll(userId: number): Promise<void> {
    await this.codes.delete({ userId });
  }
}
