import type { Principal } from '../auth/principal';
import type { RevocationEvent } from '../revocation/revocation-event';

export interface SocketLimits {
  /** Open sockets one user may hold on this instance. */
  perUser: number;
  /** Open sockets this instance holds in total. */
  total: number;
}

/** Whether one more socket of a user fits: `ok`, or which bound it would break. */
export type Admission = 'ok' | 'user_limit' | 'total_limit';

interface Entry {
  principal: Principal;
  /** Cleared by every heartbeat round, set again by the client's pong. */
  alive: boolean;
  /** The byExpiry bucket the socket is filed under. */
  expiryBucket: number;
}

/**
 * The open sockets of this instance, indexed so that each way a socket can
 * end is a lookup rather than a scan over every socket:
 *
 * - by JTI, session and user, for the revocation events (a logout among
 *   10,000 open sockets touches the one socket of that token);
 * - by expiry second, for the shared expiry sweep: a sweep reads only the
 *   buckets of the seconds that passed since the previous one.
 *
 * Sockets that are taken out (revoked, expired, removed) are forgotten
 * everywhere at once, so the caller can close them without a second look-up.
 * Generic over the socket type so the logic is tested without a network.
 */
export class SocketRegistry<S extends object> {
  private readonly entries = new Map<S, Entry>();
  private readonly byJti = new Map<string, Set<S>>();
  private readonly bySession = new Map<string, Set<S>>();
  private readonly byUser = new Map<number, Set<S>>();
  /** Expiry second (the token's `exp`) -> sockets whose token expires then. */
  private readonly byExpiry = new Map<number, Set<S>>();
  /** Every bucket up to and including this second has been swept. */
  private sweptThrough: number;

  constructor(
    private readonly limits: SocketLimits,
    nowMs = Date.now(),
  ) {
    this.sweptThrough = Math.floor(nowMs / 1000) - 1;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Removes and returns every socket (shutdown). */
  takeAll(): S[] {
    const sockets = [...this.entries.keys()];
    for (const socket of sockets) this.remove(socket);
    return sockets;
  }

  /** Sizes of the indexes; all zero once every socket is gone (no leak). */
  indexSizes(): { jti: number; session: number; user: number; expiry: number } {
    return {
      jti: this.byJti.size,
      session: this.bySession.size,
      user: this.byUser.size,
      expiry: this.byExpiry.size,
    };
  }

  /** How many sockets the user holds on this instance. */
  countOf(userId: number): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Open sockets per user on this instance. */
  countsByUser(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const [userId, sockets] of this.byUser)
      counts.set(userId, sockets.size);
    return counts;
  }

  admission(userId: number): Admission {
    if (this.countOf(userId) >= this.limits.perUser) return 'user_limit';
    if (this.entries.size >= this.limits.total) return 'total_limit';
    return 'ok';
  }

  /** Registers a socket for `principal` if the limits allow; returns the admission verdict. */
  add(socket: S, principal: Principal): Admission {
    if (this.entries.has(socket))
      throw new Error('socket is already registered');
    const admission = this.admission(principal.id);
    if (admission !== 'ok') return admission;
    const entry: Entry = { principal, alive: true, expiryBucket: 0 };
    this.entries.set(socket, entry);
    this.index(socket, entry);
    return 'ok';
  }

  principalOf(socket: S): Principal | undefined {
    return this.entries.get(socket)?.principal;
  }

  /** Moves a registered socket onto another token (re-authentication). */
  replace(socket: S, principal: Principal): void {
    const entry = this.entries.get(socket);
    if (!entry) throw new Error('socket is not registered');
    this.unindex(socket, entry);
    entry.principal = principal;
    this.index(socket, entry);
  }

  /** Forgets a socket; false when it was not (or no longer) registered. */
  remove(socket: S): boolean {
    const entry = this.entries.get(socket);
    if (!entry) return false;
    this.entries.delete(socket);
    this.unindex(socket, entry);
    return true;
  }

  /** Takes out and returns the sockets whose token the event revokes. */
  takeRevoked(event: RevocationEvent): S[] {
    let candidates: Iterable<S> | undefined;
    let matches: (principal: Principal) => boolean = () => true;
    switch (event.kind) {
      case 'token':
        candidates = this.byJti.get(event.jti);
        break;
      case 'session':
        candidates = this.bySession.get(event.sessionId);
        break;
      case 'api_key':
        // Sockets opened through a key hold its id as their session id.
        candidates = this.bySession.get(event.keyId);
        break;
      case 'sig_key':
        // Rare (a compromised key): every socket is looked at.
        candidates = this.entries.keys();
        matches = (principal) => principal.kid === event.keyId;
        break;
      case 'user':
        candidates = this.byUser.get(event.userId);
        matches = (principal) => principal.tokenVersion < event.tokenVersion;
        break;
    }
    return this.takeWhere(candidates, matches);
  }

  /** Takes out and returns the sockets whose token has expired at `nowMs` (exp is exclusive, as in the JWT check). */
  takeExpired(nowMs: number): S[] {
    const nowSec = Math.floor(nowMs / 1000);
    const expired: S[] = [];
    for (let second = this.sweptThrough + 1; second <= nowSec; second++) {
      const bucket = this.byExpiry.get(second);
      if (bucket) expired.push(...this.takeWhere(bucket, () => true));
    }
    this.sweptThrough = Math.max(this.sweptThrough, nowSec);
    return expired;
  }

  /**
   * One heartbeat round: returns the sockets that did not answer the previous
   * ping (to terminate) and those to ping now, which must answer (markAlive)
   * before the next round.
   */
  heartbeat(): { dead: S[]; alive: S[] } {
    const dead: S[] = [];
    const alive: S[] = [];
    for (const [socket, entry] of this.entries) {
      if (entry.alive) {
        entry.alive = false;
        alive.push(socket);
      } else {
        dead.push(socket);
      }
    }
    return { dead, alive };
  }

  markAlive(socket: S): void {
    const entry = this.entries.get(socket);
    if (entry) entry.alive = true;
  }

  private takeWhere(
    candidates: Iterable<S> | undefined,
    matches: (principal: Principal) => boolean,
  ): S[] {
    if (!candidates) return [];
    const taken: S[] = [];
    // Copy first: remove() edits the very sets being iterated.
    for (const socket of [...candidates]) {
      const principal = this.entries.get(socket)?.principal;
      if (principal && matches(principal)) {
        this.remove(socket);
        taken.push(socket);
      }
    }
    return taken;
  }

  private index(socket: S, entry: Entry): void {
    const { principal } = entry;
    addTo(this.byJti, principal.jti, socket);
    addTo(this.bySession, principal.sessionId, socket);
    addTo(this.byUser, principal.id, socket);
    // A token already past its expiry (only if the clock moved) is filed for the next sweep.
    entry.expiryBucket = Math.max(principal.expiresAt, this.sweptThrough + 1);
    addTo(this.byExpiry, entry.expiryBucket, socket);
  }

  private unindex(socket: S, entry: Entry): void {
    const { principal } = entry;
    removeFrom(this.byJti, principal.jti, socket);
    removeFrom(this.bySession, principal.sessionId, socket);
    removeFrom(this.byUser, principal.id, socket);
    removeFrom(this.byExpiry, entry.expiryBucket, socket);
  }
}

function addTo<K, S>(index: Map<K, Set<S>>, key: K, socket: S): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(socket);
}

function removeFrom<K, S>(index: Map<K, Set<S>>, key: K, socket: S): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(socket);
  if (set.size === 0) index.delete(key);
}
