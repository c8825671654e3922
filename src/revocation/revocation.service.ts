import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../common/database-errors';
import { AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { Metrics } from '../metrics/metrics';
import { User } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { HeldRevocations } from './held-revocations';
import {
  ApiKeyRevocation,
  PresentedToken,
  Revocation,
  SigningKeyRevocation,
} from './revocation';
import { RevocationBus } from './revocation.bus';
import { RevocationEvent } from './revocation-event';
import { RevocationState } from './revocation-state';
import { RevocationStore } from './revocation.store';

/**
 * The one way to revoke access tokens, and the per-request question whether
 * one is revoked. A revocation is written to the database (the truth), then
 * applied to this instance's memory and published to the others before the
 * revoking request is answered. With the database unreachable and Redis up,
 * it is held in Redis instead and written later (RevocationSync), so a
 * logout still takes effect everywhere at once; with neither, the write's
 * error propagates (503).
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly state: RevocationState,
    private readonly store: RevocationStore,
    private readonly bus: RevocationBus,
    private readonly held: HeldRevocations,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly metrics: Metrics,
  ) {}

  /** Whether this instance has loaded what is revoked; before that it cannot answer `isRevoked` truthfully. */
  get loaded(): boolean {
    return this.state.loaded;
  }

  /** The per-request check: memory only, no I/O. */
  isRevoked(principal: PresentedToken): boolean {
    return this.state.isRevoked(principal);
  }

  onRevoked(listener: (event: RevocationEvent) => void): () => void {
    return this.state.onRevoked(listener);
  }

  /** Logout: the access token and its whole session, in one transaction. */
  endSession(principal: PresentedToken): Promise<void> {
    return this.revoke([
      tokenRevocation(principal),
      this.sessionRevocation(principal.sessionId, principal.id),
    ]);
  }

  /** Ends one session: its refresh token and every access token it issued. */
  revokeSession(sessionId: string, userId: number): Promise<void> {
    return this.revoke([this.sessionRevocation(sessionId, userId)]);
  }

  /** Ends several sessions of one user, in one transaction. */
  async revokeSessions(
    sessionIds: readonly string[],
    userId: number,
  ): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.revoke(
      sessionIds.map((id) => this.sessionRevocation(id, userId)),
    );
  }

  /**
   * Ends the sessions `change` marks revoked in the database (it returns
   * their ids) and every access token they issued, in one transaction, then
   * tells every instance: for a set of sessions only a statement can name
   * (all of the user's but one), where revokeSessions needs the ids first.
   */
  async revokeSessionsWith(
    userId: number,
    change: (manager: EntityManager) => Promise<string[]>,
  ): Promise<string[]> {
    const revocations = await this.transactions.run(async (manager) => {
      const made = (await change(manager)).map((id) =>
        this.sessionRevocation(id, userId),
      );
      if (made.length > 0) await this.store.record(made, manager);
      return made;
    });
    await this.announce(revocations);
    return revocations.map((revocation) => revocation.sessionId);
  }

  /**
   * Makes every access token the user holds invalid by bumping token_version,
   * applying `changes` to the user row in the same transaction (a tier change
   * and the revocation it implies land together or not at all). Returns the
   * new version, or undefined when the user does not exist.
   */
  async revokeUserTokens(
    userId: number,
    changes: Partial<User> = {},
  ): Promise<number | undefined> {
    let revocation: Revocation | undefined;
    await this.transactions.run(async (manager) => {
      const tokenVersion = await this.users.bumpTokenVersion(
        userId,
        changes,
        manager,
      );
      if (tokenVersion === undefined) return;
      revocation = {
        kind: 'user',
        userId,
        tokenVersion,
        expiresAtMs: this.lastTokenExpiry(),
      };
      await this.store.record([revocation], manager);
    });
    if (revocation?.kind !== 'user') return undefined;
    await this.announce([revocation]);
    return revocation.tokenVersion;
  }

  /**
   * Revokes API keys: `change` marks them revoked in their own table and
   * returns the revocations that implies; the two land in one transaction,
   * then every instance is told at once.
   */
  async revokeApiKeys(
    change: (manager: EntityManager) => Promise<ApiKeyRevocation[]>,
  ): Promise<ApiKeyRevocation[]> {
    const revocations = await this.transactions.run(async (manager) => {
      const made = await change(manager);
      if (made.length > 0) await this.store.record(made, manager);
      return made;
    });
    await this.announce(revocations);
    return revocations;
  }

  /**
   * Revokes a signing key: `change` marks it revoked in signing_keys (and
   * makes its replacement); the revocation of every token it signed lands in
   * the same transaction and reaches every instance at once.
   */
  async revokeSigningKey(
    kid: string,
    change: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    const revocation: SigningKeyRevocation = {
      kind: 'sig_key',
      keyId: kid,
      userId: 0,
      // Leeway included: a token it signed a moment ago is good that long.
      expiresAtMs: this.lastTokenExpiry() + 60_000,
    };
    await this.transactions.run(async (manager) => {
      await change(manager);
      await this.store.record([revocation], manager);
    });
    await this.announce([revocation]);
  }

  private async revoke(revocations: Revocation[]): Promise<void> {
    try {
      await this.store.record(revocations);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || !(await this.held.hold(revocations)))
        throw error;
      this.logger.warn(
        `database unavailable: ${revocations.length} revocation(s) held in Redis until it answers`,
      );
    }
    await this.announce(revocations);
  }

  /** Applies revocations here and publishes them to the other instances. */
  private async announce(revocations: readonly Revocation[]): Promise<void> {
    let applied = 0;
    for (const revocation of revocations)
      if (this.state.apply(revocation)) applied++;
    this.metrics.revocationsApplied('local', applied);
    await this.bus.publish(revocations);
  }

  /** Any access token issued before now has expired one lifetime from now. */
  private lastTokenExpiry(): number {
    return Date.now() + this.config.accessTokenTtl * 1000;
  }

  private sessionRevocation(
    sessionId: string,
    userId: number,
  ): Extract<Revocation, { kind: 'session' }> {
    return {
      kind: 'session',
      sessionId,
      userId,
      expiresAtMs: this.lastTokenExpiry(),
    };
  }
}

function tokenRevocation(principal: PresentedToken): Revocation {
  return {
    kind: 'token',
    jti: principal.jti,
    userId: principal.id,
    expiresAtMs: principal.expiresAt * 1000,
  };
}
