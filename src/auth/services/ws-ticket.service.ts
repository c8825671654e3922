import { Injectable } from '@nestjs/common';
import { RedisService } from '../../redis/redis.service';
import { Principal } from '../principal';
import { randomToken } from '../../common/random-token';
import { sha256Hex } from '../../common/sha256';

/** Seconds a ticket can be used in. */
export const WS_TICKET_TTL_SECONDS = 30;
/** Tickets held in memory at most (when Redis is not configured or away). */
const MAX_LOCAL_TICKETS = 100_000;
const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedTicket {
  ticket: string;
  expires_in: number;
}

/**
 * Single-use WebSocket tickets, so access tokens stay out of URLs and proxy
 * logs: `POST /auth/ws-ticket` trades an access token for a random ticket
 * that opens one socket as the same principal (same session, same expiry,
 * same revocation) within 30 s. Only the ticket's SHA-256 is kept. With
 * Redis, a ticket issued on one instance opens a socket on any instance
 * (GETDEL: used once, atomically); without it, on the issuing instance.
 */
@Injectable()
export class WsTicketService {
  private readonly local = new Map<
    string,
    { principal: Principal; expiresAtMs: number }
  >();

  constructor(private readonly redis: RedisService) {}

  async issue(principal: Principal): Promise<IssuedTicket> {
    const ticket = randomToken(32);
    const key = sha256Hex(ticket);
    let shared = false;
    if (this.redis.available) {
      try {
        await this.redis.client.set(
          this.redisKey(key),
          JSON.stringify(principal),
          'EX',
          WS_TICKET_TTL_SECONDS,
        );
        shared = true;
      } catch {
        shared = false;
      }
    }
    if (!shared) this.keepLocally(key, principal);
    return { ticket, expires_in: WS_TICKET_TTL_SECONDS };
  }

  /** The principal a ticket was issued for, once; undefined for a used, expired or unknown ticket. */
  async redeem(ticket: string): Promise<Principal | undefined> {
    if (!TICKET_FORMAT.test(ticket)) return undefined;
    const key = sha256Hex(ticket);
    const held = this.local.get(key);
    if (held) {
      this.local.delete(key);
      return held.expiresAtMs > Date.now() ? held.principal : undefined;
    }
    if (!this.redis.available) return undefined;
    try {
      const value = await this.redis.client.getdel(this.redisKey(key));
      return value === null ? undefined : (JSON.parse(value) as Principal);
    } catch {
      return undefined;
    }
  }

  private keepLocally(key: string, principal: Principal): void {
    const now = Date.now();
    if (this.local.size >= MAX_LOCAL_TICKETS) {
      for (const [k, entry] of this.local)
        if (entry.expiresAtMs <= now) this.local.delete(k);
      // Still full of live tickets: the oldest go first (Map keeps insertion order).
      for (const k of this.local.keys()) {
        if (this.local.size < MAX_LOCAL_TICKETS) break;
        this.local.delete(k);
      }
    }
    this.local.set(key, {
      principal,
      expiresAtMs: now + WS_TICKET_TTL_SECONDS * 1000,
    });
  }

  private redisKey(digestHex: string): string {
    return this.redis.key(`ws-ticket:${digestHex}`);
  }
}
