import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { RevocationService } from '../auth/revocation/revocation.service';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { parseApiKey, sameSecret, secretMatches } from './api-key-format';
import { ApiKeyMemo } from './api-key-memo';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeyStore, KeyWithOwner } from './api-key.store';
import { IpAllowlist } from './ip-allowlist';
import type { VerifiedKey } from './verified-key';

/** `exp` of a key that does not expire (Principal.expiresAt is epoch seconds). */
const NEVER_SECONDS = 253_402_300_799; // 9999-12-31

type ValidKey = Extract<VerifiedKey, { valid: true }>;

function invalidKey(): ApiException {
  // One message for unknown, revoked, expired and disabled-owner keys: the
  // answer does not tell a guesser which ids exist.
  return new ApiException(
    ErrorCode.ApiKeyInvalid,
    'Invalid API key: unknown, revoked or expired, or its owner is disabled',
  );
}

/**
 * "Who does this API key stand for, from this address, right now?" A known
 * key is answered from memory (ApiKeyMemo plus the in-memory revocation
 * state), synchronously; only a key not seen for MEMO_MAX_AGE_MS, or whose
 * owner's tokens were revoked since (tier change, disable), is read from the
 * database again.
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleInit, OnModuleDestroy {
  private readonly memo = new ApiKeyMemo();
  /** One database read per key at a time, however many requests wait on it. */
  private readonly loading = new Map<
    string,
    Promise<VerifiedKey | undefined>
  >();
  private unsubscribe?: () => void;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly revocation: RevocationService,
    private readonly usage: ApiKeyUsageRecorder,
  ) {}

  onModuleInit(): void {
    // A revoked key is refused from memory from now on, on every instance
    // (the revocation arrives here from this instance, Redis or the feed).
    this.unsubscribe = this.revocation.onRevoked((event) => {
      if (event.kind === 'api_key')
        this.memo.set({
          valid: false,
          id: event.keyId,
          verifiedAtMs: Date.now(),
        });
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The principal, synchronously when the key is memoised; 401/403 ApiException otherwise. */
  authenticate(
    header: string,
    ip: string | undefined,
  ): Principal | Promise<Principal> {
    const parsed = parseApiKey(header);
    if (!parsed) throw invalidKey();
    const now = Date.now();
    const known = this.memo.get(parsed.id, now);
    if (known && !known.valid) throw invalidKey();
    if (known && !this.revocation.isRevoked(known.principal))
      return this.admit(known, parsed.secret, ip, now);
    // Unknown here, or its owner's tokens were revoked since it was read
    // (a tier change or a disable): read it again.
    if (known) this.memo.delete(parsed.id);
    return this.load(parsed.id).then((key) => {
      if (!key?.valid || this.revocation.isRevoked(key.principal))
        throw invalidKey();
      return this.admit(key, parsed.secret, ip, Date.now());
    });
  }

  private admit(
    key: ValidKey,
    secret: string,
    ip: string | undefined,
    nowMs: number,
  ): Principal {
    if (
      key.provenSecret === undefined ||
      !sameSecret(secret, key.provenSecret)
    ) {
      if (!secretMatches(secret, key.secretHash)) throw invalidKey();
      key.provenSecret = secret;
    }
    if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs)
      throw invalidKey();
    if (!key.allowlist.allows(ip)) {
      throw new ApiException(
        ErrorCode.IpNotAllowed,
        'This API key may not be used from this address',
      );
    }
    this.usage.note(key, ip, nowMs);
    return key.principal;
  }

  private load(id: string): Promise<VerifiedKey | undefined> {
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.read(id).finally(() => this.loading.delete(id));
      this.loading.set(id, loading);
    }
    return loading;
  }

  private async read(id: string): Promise<VerifiedKey | undefined> {
    const found = await this.store.findWithOwner(id);
    // Unknown ids are not memoised: they cannot be bounded, and a key
    // created a moment later must work at once.
    if (!found) return undefined;
    const verified = judge(found, Date.now());
    this.memo.set(verified);
    return verified;
  }
}

/** The verdict on a key row and its owner, as of `nowMs`. */
export function judge(
  { key, owner }: KeyWithOwner,
  nowMs: number,
): VerifiedKey {
  const allowlist = parseStoredAllowlist(key.ipAllowlist);
  if (
    key.revokedAt !== null ||
    owner.disabled ||
    key.sessionEpoch !== owner.sessionEpoch ||
    // A row whose allowlist cannot be read fails closed, never open.
    allowlist === undefined
  )
    return { valid: false, id: key.id, verifiedAtMs: nowMs };
  const tier = Math.min(key.permissionTier, owner.permissionTier) as Tier;
  return {
    valid: true,
    id: key.id,
    userId: key.userId,
    secretHash: Buffer.from(key.secretHash, 'hex'),
    allowlist: new IpAllowlist(allowlist),
    expiresAtMs: key.expiresAt,
    principal: {
      id: key.userId,
      username: owner.username,
      tier,
      // The key id is the "session" and the "token": revoking the key is
      // revoking that session, and the revocation state needs no new lookup.
      sessionId: key.id,
      jti: key.id,
      expiresAt:
        key.expiresAt === null
          ? NEVER_SECONDS
          : Math.floor(key.expiresAt / 1000),
      tokenVersion: owner.tokenVersion,
      apiKeyId: key.id,
    },
    verifiedAtMs: nowMs,
    usage: {
      // A restart does not write again what another process wrote a moment ago.
      writtenAtMs: key.lastUsedAt ?? 0,
      addresses: new Set(key.lastUsedIp ? [key.lastUsedIp] : []),
    },
  };
}

/** The stored JSON array of entries; undefined if it is anything else. */
export function parseStoredAllowlist(json: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) &&
      value.every((v): v is string => typeof v === 'string')
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
