import { Injectable } from '@nestjs/common';
import { ExpiringIdSet } from './expiring-id-set';
import type { PresentedToken, Revocation } from './revocation';
import type { RevocationEvent } from './revocation-event';

/**
 * What this instance knows to be revoked, answered from memory on every
 * request. It does no I/O: the store, the feed and the bus feed it through
 * `apply`, which is idempotent, so one revocation arriving by several routes
 * (this instance, Redis, the database poll) counts once and notifies once.
 */
@Injectable()
export class RevocationState {
  private readonly blockedJtis = new ExpiringIdSet();
  private readonly revokedSessions = new ExpiringIdSet();
  private readonly revokedSigningKeys = new ExpiringIdSet();
  private readonly userVersions = new Map<number, number>();
  private readonly listeners = new Set<(event: RevocationEvent) => void>();
  private loadedAtStart = false;

  /** Whether the start-up load from the database is done (GET /health/ready waits for it). */
  get loaded(): boolean {
    return this.loadedAtStart;
  }

  markLoaded(): void {
    this.loadedAtStart = true;
  }

  /** The per-request check: three in-memory lookups (four when a signing key was ever revoked). */
  isRevoked(principal: PresentedToken): boolean {
    return (
      this.blockedJtis.has(principal.jti) ||
      this.revokedSessions.has(principal.sessionId) ||
      (this.userVersions.get(principal.id) ?? 0) > principal.tokenVersion ||
      (principal.kid !== undefined &&
        this.revokedSigningKeys.size > 0 &&
        this.revokedSigningKeys.has(principal.kid))
    );
  }

  /** Learns one revocation; true (and listeners told) when it was news. */
  apply(revocation: Revocation, nowMs = Date.now()): boolean {
    if (revocation.expiresAtMs <= nowMs && revocation.kind !== 'user')
      return false;
    switch (revocation.kind) {
      case 'token':
        if (!this.blockedJtis.add(revocation.jti, revocation.expiresAtMs))
          return false;
        this.emit({ kind: 'token', jti: revocation.jti });
        return true;
      case 'session':
        if (
          !this.revokedSessions.add(
            revocation.sessionId,
            revocation.expiresAtMs,
          )
        )
          return false;
        this.emit({ kind: 'session', sessionId: revocation.sessionId });
        return true;
      case 'api_key':
        // A key's principal carries the key id as its session id, so the
        // per-request check stays three lookups.
        if (!this.revokedSessions.add(revocation.keyId, revocation.expiresAtMs))
          return false;
        this.emit({
          kind: 'api_key',
          keyId: revocation.keyId,
          userId: revocation.userId,
        });
        return true;
      case 'sig_key':
        if (
          !this.revokedSigningKeys.add(revocation.keyId, revocation.expiresAtMs)
        )
          return false;
        this.emit({ kind: 'sig_key', keyId: revocation.keyId });
        return true;
      case 'user': {
        const { userId, tokenVersion } = revocation;
        if ((this.userVersions.get(userId) ?? 0) >= tokenVersion) return false;
        this.userVersions.set(userId, tokenVersion);
        this.emit({ kind: 'user', userId, tokenVersion });
        return true;
      }
    }
  }

  onRevoked(listener: (event: RevocationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets ids whose tokens have expired on their own. */
  sweep(nowMs: number): void {
    this.blockedJtis.sweep(nowMs);
    this.revokedSessions.sweep(nowMs);
    this.revokedSigningKeys.sweep(nowMs);
  }

  sizes(): { jtis: number; sessions: number; users: number } {
    return {
      jtis: this.blockedJtis.size,
      sessions: this.revokedSessions.size,
      users: this.userVersions.size,
    };
  }

  private emit(event: RevocationEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
