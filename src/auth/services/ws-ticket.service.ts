import { Injectable, Logger } from '@nestjs/common';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeAddress } from '../../common/client-address';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { Principal } from '../principal';
import { randomToken } from '../../common/random-token';
import { sha256Hex } from '../../common/sha256';

/** Seconds a ticket can be used in. */
export const WS_TICKET_TTL_SECONDS = 30;
/** Tickets held in memory at most (when Redis is not configured or away). */
const MAX_LOCAL_TICKETS = 100_000;
const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;
/** `v1.<HMAC-SHA256, base64url>.<principal JSON>`: what a ticket's key holds. */
const SEALED_FORMAT = /^v1\.([A-Za-z0-9_-]{43})\.(.+)$/s;
/** Where the issuing request's address could not be read: no upgrade address ever equals it. */
const NO_ADDRESS = 'none';

export interface IssuedTicket {
  ticket: string;
  expires_in: number;
}

/**
 * The ticket MAC key, derived from the signing secret (HKDF with a label of
 * its own), so it needs no setting of its own, is the same on every instance
 * and changes with JWT_SECRET. Used for ticket MACs and nothing else.
 */
export function ticketMacKey(signingSecret: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(signingSecret, 'utf8'),
      Buffer.alloc(0),
      'trading-auth ws-ticket-mac v1',
      32,
    ),
  );
}

/**
 * A client address in one spelling, so the address a ticket was issued to
 * and the upgrade's compare as addresses, not strings (normalizeAddress:
 * IPv4-mapped IPv6 is its IPv4 address, IPv6 is in its canonical form).
 * Undefined for what is not an address.
 */
export function normalisedAddress(
  address: string | null | undefined,
): string | undefined {
  if (!address) return undefined;
  const zone = address.indexOf('%');
  if (!isIP(zone < 0 ? address : address.slice(0, zone))) return undefined;
  return normalizeAddress(address);
}

/**
 * Single-use WebSocket tickets, so access tokens stay out of URLs and proxy
 * logs: `POST /auth/ws-ticket` trades an access token (or API key) for a
 * random ticket that opens one socket as the same principal (same session,
 * same expiry, same revocation) within 30 s, from the client address that
 * asked for it: an API key's ticket cannot leave the key's allowlist, and a
 * ticket seen in a log is no use elsewhere.
 *
 * A ticket's key is its SHA-256 and that address, so an upgrade from another
 * address finds nothing and does not spend the ticket (whoever saw it cannot
 * burn it for its owner). The value is the principal under an HMAC, so a
 * value written into Redis by anything but this service is refused: Redis
 * alone cannot mint sockets. With Redis, a ticket issued on one instance
 * opens a socket on any instance (GETDEL: used once, atomically); without
 * it, on the issuing instance.
 */
@Injectable()
export class WsTicketService {
  private readonly log = new Logger(WsTicketService.name);
  private readonly local = new Map<
    string,
    { sealed: string; expiresAtMs: number }
  >();
  private readonly macKey: Buffer;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.macKey = ticketMacKey(config.jwtSecret);
  }

  /** A ticket for `principal`, to be used from `clientAddress` (the issuing request's). */
  async issue(
    principal: Principal,
    clientAddress: string | null | undefined,
  ): Promise<IssuedTicket> {
    const ticket = randomToken(32);
    const key = this.keyOf(
      ticket,
      normalisedAddress(clientAddress) ?? NO_ADDRESS,
    );
    const sealed = this.seal(key, principal);
    let shared = false;
    if (this.redis.available) {
      try {
        await this.redis.client.set(
          this.redisKey(key),
          sealed,
          'EX',
          WS_TICKET_TTL_SECONDS,
        );
        shared = true;
      } catch {
        shared = false;
      }
    }
    if (!shared) this.keepLocally(key, sealed);
    return { ticket, expires_in: WS_TICKET_TTL_SECONDS };
  }

  /**
   * The principal a ticket was issued for, once, when `clientAddress` is the
   * one it was issued to; undefined for a used, expired, unknown or forged
   * ticket, or one from another address (which stays usable by its own).
   */
  async redeem(
    ticket: string,
    clientAddress: string | undefined,
  ): Promise<Principal | undefined> {
    if (!TICKET_FORMAT.test(ticket)) return undefined;
    const address = normalisedAddress(clientAddress);
    if (address === undefined) return undefined;
    const key = this.keyOf(ticket, address);
    const held = this.local.get(key);
    if (held) {
      this.local.delete(key);
      return held.expiresAtMs > Date.now()
        ? this.open(key, held.sealed)
        : undefined;
    }
    if (!this.redis.available) return undefined;
    let value: string | null;
    try {
      value = await this.redis.client.getdel(this.redisKey(key));
    } catch {
      return undefined;
    }
    if (value === null) return undefined;
    const principal = this.open(key, value);
    if (!principal) {
      // Never the value itself: it may be an attacker's probe, or a real principal.
      this.log.warn(
        'A WebSocket ticket held in Redis failed its MAC check (written by something other than this service, or under another JWT_SECRET); refused as unknown',
      );
    }
    return principal;
  }

  /** `<sha256 of the ticket, hex>:<address>`: the digest's fixed length keeps it unambiguous. */
  private keyOf(ticket: string, address: string): string {
    return `${sha256Hex(ticket)}:${address}`;
  }

  private seal(key: string, principal: Principal): string {
    const json = JSON.stringify(principal);
    return `v1.${this.mac(key, json).toString('base64url')}.${json}`;
  }

  /** The principal of a sealed value, if its MAC is this service's for `key`. */
  private open(key: string, sealed: string): Principal | undefined {
    const match = SEALED_FORMAT.exec(sealed);
    if (!match) return undefined;
    const given = Buffer.from(match[1], 'base64url');
    const expected = this.mac(key, match[2]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return undefined;
    try {
      return JSON.parse(match[2]) as Principal;
    } catch {
      return undefined;
    }
  }

  /** Over the key too: a sealed value moved to another ticket or address does not open. */
  private mac(key: string, json: string): Buffer {
    return createHmac('sha256', this.macKey)
      .update(key)
      .update('\n')
      .update(json)
      .digest();
  }

  private keepLocally(key: string, sealed: string): void {
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
      sealed,
      expiresAtMs: now + WS_TICKET_TTL_SECONDS * 1000,
    });
  }

  private redisKey(key: string): string {
    return this.redis.key(`ws-ticket:${key}`);
  }
}
