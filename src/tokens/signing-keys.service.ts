import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { exportJWK, type JWK } from 'jose';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { randomToken } from '../common/random-token';
import { AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import {
  DataDecryptionError,
  DataEncryption,
} from '../encryption/data-encryption';
import { RevocationService } from '../revocation/revocation.service';
import { SigningKey } from './entities/signing-key.entity';
import { keyStates, KeyState, rotationDue } from './key-states';

/** The DataEncryption purpose of private signing keys. */
const PURPOSE = 'signing-key';

/**
 * How long a key stays published after its last signature beyond
 * ACCESS_TOKEN_TTL: the clock tolerance verifiers may allow (the spec's 30 s
 * at most) and a reload period to spare.
 */
export const RETIREMENT_LEEWAY_MS = 60_000;

export type SigningAlgorithm = 'ES256' | 'EdDSA';

/** A key that verifies tokens of this deployment, chosen by `kid`. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: KeyObject;
  /** Revoked by `keys:revoke`: its tokens are refused as revoked. */
  readonly revoked: boolean;
}

export interface SignerKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

/** One key as `keys:list` shows it. */
export interface SigningKeyView {
  kid: string;
  slot: number;
  alg: string;
  state: KeyState;
  revoked: boolean;
  createdAt: number;
  publishedAt: number;
  activatedAt: number;
  retiredAt: number | null;
}

export interface Jwks {
  readonly document: { keys: JWK[] };
  readonly etag: string;
}

interface Loaded {
  row: SigningKey;
  publicKey: KeyObject;
  publicJwk: JWK;
  /** Undefined for a revoked key, or one this instance could not open (logged). */
  privateKey?: KeyObject;
}

interface View {
  /** When a state changes next (an activation or retirement): recomputed then. */
  untilMs: number;
  signer?: SignerKey;
  verifiers: Map<string, VerificationKey>;
  jwks: Jwks;
}

/**
 * The signing keys of ES256/EdDSA access tokens: kept in signing_keys, the
 * private half sealed under DATA_ENCRYPTION_KEY, loaded by every instance at
 * start-up and re-read every reload period. A key is published (JWKS) at
 * least JWKS_MAX_AGE plus one reload period before it signs, so a verifier
 * that caches the JWKS for JWKS_MAX_AGE knows it before it meets a token of
 * it; it stays published until the tokens it signed have expired.
 *
 * Rotation (every JWT_KEY_ROTATION_DAYS, or `keys:rotate`) inserts the next
 * slot: the unique index lets one of several instances doing it at once
 * win, and the others read its key. A revoked key (`keys:revoke`) reaches
 * every instance through the revocation feed and Redis, like any revocation.
 *
 * Under HS256 there are no keys and this does nothing.
 */
@Injectable()
export class SigningKeys implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeys.name);
  private keys: Loaded[] = [];
  private view?: View;
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private unsubscribe?: () => void;
  /** Milliseconds between two reads of the table by a running instance. */
  readonly reloadMs: number;
  /** Milliseconds between a new key's publication and its first signature. */
  readonly leadMs: number;

  constructor(
    @InjectRepository(SigningKey)
    private readonly repository: Repository<SigningKey>,
    private readonly encryption: DataEncryption,
    private readonly transactions: TransactionRunner,
    private readonly revocation: RevocationService,
    private readonly config: AppConfig,
  ) {
    this.reloadMs = Math.min(
      60_000,
      Math.max(250, Math.floor((config.jwksMaxAge * 1000) / 4)),
    );
    this.leadMs = config.jwksMaxAge * 1000 + this.reloadMs;
  }

  get enabled(): boolean {
    return this.config.jwtAlgorithm !== 'HS256';
  }

  /**
   * Loads the keys (a key that does not open under DATA_ENCRYPTION_KEY or
   * DATA_ENCRYPTION_KEY_PREVIOUS stops start-up: no new key is made in its
   * place), makes the first key or a due one, and keeps them fresh.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled || this.config.role === 'cli') return;
    await this.load({ strict: true });
    if (this.due(Date.now())) await this.rotate();
    this.unsubscribe = this.revocation.onRevoked((event) => {
      if (event.kind !== 'sig_key') return;
      const known = this.keys.find((k) => k.row.kid === event.keyId);
      if (known && known.row.revokedAt === null) {
        known.row.revokedAt = Date.now();
        known.privateKey = undefined;
        this.view = undefined;
      }
      void this.refresh();
    });
    this.timer = setInterval(() => void this.tick(), this.reloadMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** The key that signs now; undefined under HS256 or while no key opens here. */
  signer(nowMs = Date.now()): SignerKey | undefined {
    return this.viewAt(nowMs).signer;
  }

  /** This deployment's published (or revoked) key with this `kid`, or undefined. */
  verificationKey(
    kid: string,
    nowMs = Date.now(),
  ): VerificationKey | undefined {
    return this.viewAt(nowMs).verifiers.get(kid);
  }

  /** The JWKS document (next, current and previous keys) and its ETag. */
  jwks(nowMs = Date.now()): Jwks {
    return this.viewAt(nowMs).jwks;
  }

  /**
   * Epoch ms before which an HS256 token was issued by this deployment
   * before it moved to ES256/EdDSA: the first key's activation while that
   * key is still loaded (it retires one token lifetime after its successor
   * signs, long after the last HS256 token expired); 0 afterwards.
   */
  symmetricTokensIssuedBefore(): number {
    const first = this.keys[0]?.row;
    return first?.slot === 1 ? first.activatedAt : 0;
  }

  /** Reads the keys again (or waits for the read in progress): a revoked key's replacement, say. */
  async reload(): Promise<void> {
    await this.refresh();
  }

  /** Every key with its state, oldest first (`keys:list`). */
  async list(nowMs = Date.now()): Promise<SigningKeyView[]> {
    const rows = await this.repository.find({ order: { slot: 'ASC' } });
    const states = keyStates(rows, nowMs);
    return rows.map((row) => ({
      kid: row.kid,
      slot: row.slot,
      alg: row.alg,
      state: states.get(row)!,
      revoked: row.revokedAt !== null,
      createdAt: row.createdAt,
      publishedAt: row.publishedAt,
      activatedAt: row.activatedAt,
      retiredAt: row.revokedAt ?? row.retiredAt,
    }));
  }

  /**
   * Makes the next key (`keys:rotate`, the schedule, the first start): it
   * signs one lead from now, or at once when no key signs yet or
   * `immediately` (a revoked current key). Returns the key of that slot,
   * whichever instance made it; a key already waiting as next is returned
   * instead of making another.
   */
  async rotate(
    options: { immediately?: boolean } = {},
  ): Promise<SigningKeyView> {
    this.requireEnabled();
    const now = Date.now();
    const rows = await this.repository.find();
    const states = keyStates(rows, now);
    const waiting = rows.find((row) => states.get(row) === 'next');
    if (waiting && !options.immediately) return this.viewOf(waiting, 'next');
    const current = rows.find((row) => states.get(row) === 'current');
    const slot = rows.reduce((max, row) => Math.max(max, row.slot), 0) + 1;
    const activatedAt =
      current === undefined || options.immediately ? now : now + this.leadMs;
    const row = await this.newKey(slot, now, activatedAt);
    try {
      await this.transactions.run(async (manager) => {
        await manager.insert(SigningKey, row);
        if (current !== undefined)
          await manager.update(
            SigningKey,
            { kid: current.kid, retiredAt: IsNull() },
            {
              retiredAt:
                activatedAt +
                this.config.accessTokenTtl * 1000 +
                RETIREMENT_LEEWAY_MS,
            },
          );
      });
      this.logger.log(
        `signing key ${row.kid} (${row.alg}, slot ${slot}) made; it signs from ${new Date(activatedAt).toISOString()}`,
      );
    } catch (error) {
      // Another instance made this slot's key first: that one stands.
      if (!isUniqueViolation(error)) throw error;
    }
    if (this.config.role !== 'cli') await this.refresh();
    const made = await this.repository.findOneByOrFail({ slot });
    return this.viewOf(made, keyStates([made], Date.now()).get(made)!);
  }

  /**
   * Revokes a (compromised) key: out of the JWKS at once, its tokens refused
   * on every instance within the revocation bound. A revoked current key is
   * replaced by a key that signs at once (a verifier meets its `kid` before
   * its cache knows it: the price of a compromise). Sessions survive: their
   * next refresh is signed by the new key. False when no such key exists.
   */
  async revoke(kid: string): Promise<boolean> {
    this.requireEnabled();
    const row = await this.repository.findOneBy({ kid });
    if (row === null) return false;
    if (row.revokedAt !== null) return true;
    const now = Date.now();
    const rows = await this.repository.find();
    const wasCurrent = keyStates(rows, now).get(
      rows.find((r) => r.kid === kid)!,
    );
    // The replacement first, so every instance that learns of the
    // revocation finds a key to sign with (never the key before: its
    // retirement was set for its last signature).
    if (wasCurrent === 'current') await this.rotate({ immediately: true });
    await this.revocation.revokeSigningKey(kid, async (manager) => {
      await manager.update(SigningKey, { kid }, { revokedAt: now });
    });
    if (this.config.role !== 'cli') await this.refresh();
    return true;
  }

  /**
   * Seals every private key still under DATA_ENCRYPTION_KEY_PREVIOUS under
   * DATA_ENCRYPTION_KEY (`keys:reencrypt`); returns how many moved.
   */
  async reencrypt(): Promise<number> {
    const rows = await this.repository.find();
    let moved = 0;
    for (const row of rows) {
      if (!this.encryption.needsReseal(row.privateKey)) continue;
      const plain = this.encryption.open(PURPOSE, row.privateKey, row.kid);
      await this.repository.update(
        { kid: row.kid, privateKey: row.privateKey },
        { privateKey: this.encryption.seal(PURPOSE, plain, row.kid) },
      );
      moved += 1;
    }
    return moved;
  }

  private requireEnabled(): void {
    if (!this.enabled)
      throw new Error(
        'JWT_ALGORITHM is HS256: access tokens are signed with JWT_SECRET, and there are no signing keys',
      );
  }

  private due(nowMs: number): boolean {
    return rotationDue(
      this.keys.map((k) => k.row),
      nowMs,
      {
        alg: this.config.jwtAlgorithm,
        lifetimeMs: this.config.jwtKeyRotationDays * 86_400_000,
        leadMs: this.leadMs,
      },
    );
  }

  private async tick(): Promise<void> {
    try {
      await this.refresh();
      if (this.due(Date.now())) await this.rotate();
    } catch (error) {
      // The database is away: the keys held stay in use until it answers.
      this.logger.warn(
        `signing keys not refreshed: ${(error as Error).message}`,
      );
    }
  }

  /** Reads the table again; concurrent calls share one read. */
  private refresh(): Promise<void> {
    this.reloading ??= this.load({ strict: false }).finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async load({ strict }: { strict: boolean }): Promise<void> {
    const rows = await this.repository.find({ order: { slot: 'ASC' } });
    const states = keyStates(rows, Date.now());
    const previous = new Map(this.keys.map((k) => [k.row.kid, k]));
    const loaded: Loaded[] = [];
    for (const row of rows) {
      const state = states.get(row)!;
      if (state === 'retired' && row.revokedAt === null) continue;
      const known = previous.get(row.kid);
      let privateKey = known?.privateKey;
      if (row.revokedAt !== null) privateKey = undefined;
      else if (privateKey === undefined) {
        try {
          privateKey = createPrivateKey({
            key: this.encryption.open(PURPOSE, row.privateKey, row.kid),
            format: 'der',
            type: 'pkcs8',
          });
        } catch (error) {
          const message = `signing key ${row.kid} (slot ${row.slot}) does not open: ${(error as Error).message}`;
          if (strict && error instanceof DataDecryptionError)
            throw new SigningKeyUnreadableError(message);
          this.logger.error(message);
        }
      }
      const publicJwk = JSON.parse(row.publicJwk) as JWK;
      loaded.push({
        row,
        publicJwk,
        publicKey:
          known?.publicKey ??
          createPublicKey({ key: publicJwk as never, format: 'jwk' }),
        privateKey,
      });
    }
    this.keys = loaded;
    this.view = undefined;
  }

  private viewAt(nowMs: number): View {
    if (this.view !== undefined && nowMs < this.view.untilMs) return this.view;
    const states = keyStates(
      this.keys.map((k) => k.row),
      nowMs,
    );
    let untilMs = Number.MAX_SAFE_INTEGER;
    let signer: SignerKey | undefined;
    const verifiers = new Map<string, VerificationKey>();
    const published: JWK[] = [];
    for (const key of this.keys) {
      const { row } = key;
      const state = states.get(row)!;
      for (const instant of [row.activatedAt, row.retiredAt])
        if (instant !== null && instant > nowMs)
          untilMs = Math.min(untilMs, instant);
      const revoked = row.revokedAt !== null;
      if (state === 'retired' && !revoked) continue;
      verifiers.set(row.kid, {
        kid: row.kid,
        alg: row.alg as SigningAlgorithm,
        publicKey: key.publicKey,
        revoked,
      });
      if (revoked) continue;
      published.push(key.publicJwk);
      if (state === 'current' && key.privateKey !== undefined)
        signer = {
          kid: row.kid,
          alg: row.alg as SigningAlgorithm,
          privateKey: key.privateKey,
        };
    }
    const document = { keys: published };
    const body = JSON.stringify(document);
    this.view = {
      untilMs,
      signer,
      verifiers,
      jwks: {
        document,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      },
    };
    return this.view;
  }

  private async newKey(
    slot: number,
    nowMs: number,
    activatedAt: number,
  ): Promise<SigningKey> {
    const alg = this.config.jwtAlgorithm as SigningAlgorithm;
    const { privateKey, publicKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
    const kid = randomToken(16);
    const jwk = await exportJWK(publicKey);
    const publicJwk: JWK = { ...jwk, kid, alg, use: 'sig' };
    const row = new SigningKey();
    Object.assign(row, {
      kid,
      slot,
      alg,
      publicJwk: JSON.stringify(publicJwk),
      privateKey: this.encryption.seal(
        PURPOSE,
        privateKey.export({ format: 'der', type: 'pkcs8' }),
        kid,
      ),
      createdAt: nowMs,
      publishedAt: nowMs,
      activatedAt,
      retiredAt: null,
      revokedAt: null,
    });
    return row;
  }

  private viewOf(row: SigningKey, state: KeyState): SigningKeyView {
    return {
      kid: row.kid,
      slot: row.slot,
      alg: row.alg,
      state,
      revoked: row.revokedAt !== null,
      createdAt: row.createdAt,
      publishedAt: row.publishedAt,
      activatedAt: row.activatedAt,
      retiredAt: row.revokedAt ?? row.retiredAt,
    };
  }
}

/** A stored signing key that DATA_ENCRYPTION_KEY (and _PREVIOUS) cannot open: start-up stops. */
export class SigningKeyUnreadableError extends Error {
  override readonly name = 'SigningKeyUnreadableError';
}
