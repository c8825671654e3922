import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { hash, timingSafeEqual } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { DeviceToken } from '../entities/device-token.entity';
import { randomToken } from '../../common/random-token';

/** `<id>.<secret>`: 16 random bytes of id, 32 (256 bits) of secret, base64url. */
const DEVICE_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** Expired rows are deleted at most this often, by the login that issues a token. */
const PURGE_INTERVAL_MS = 3_600_000;

function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Trusted device tokens: issued by a successful login, opaque, bound to one
 * user, valid DEVICE_TOKEN_TTL. Only the SHA-256 of the secret is stored
 * and compared in constant time. Anything that does not check out (unknown,
 * malformed, expired, another user's) is simply not a trusted device.
 */
@Injectable()
export class DeviceTokenService {
  private nextPurgeAt = 0;

  constructor(
    @InjectRepository(DeviceToken)
    private readonly tokens: Repository<DeviceToken>,
    private readonly config: AppConfig,
  ) {}

  async issue(userId: number): Promise<string> {
    const id = randomToken(16);
    const secret = randomToken(32);
    const now = Date.now();
    await this.tokens.insert({
      id,
      userId,
      tokenHash: sha256(secret).toString('hex'),
      createdAt: now,
      expiresAt: now + this.config.deviceTokenTtl * 1000,
    });
    if (now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_INTERVAL_MS;
      await this.tokens.delete({ expiresAt: LessThanOrEqual(now) });
    }
    return `${id}.${secret}`;
  }

  /** The id of `token` when it is a live device token of `userId` (undefined: an unknown user), else undefined. */
  async trustedId(
    token: string | undefined,
    userId: number | undefined,
  ): Promise<string | undefined> {
    const match = token === undefined ? null : DEVICE_TOKEN_FORMAT.exec(token);
    if (!match) return undefined;
    const row = await this.tokens.findOneBy({ id: match[1] });
    if (!row || row.userId !== userId || row.expiresAt <= Date.now())
      return undefined;
    const stored = Buffer.from(row.tokenHash, 'hex');
    const presented = sha256(match[2]);
    return stored.length === presented.length &&
      timingSafeEqual(stored, presented)
      ? row.id
      : undefined;
  }

  /** Password change and revoke-all: none of the user's devices is trusted any more. */
  async revokeAll(userId: number): Promise<void> {
    await this.tokens.delete({ userId });
  }
}
