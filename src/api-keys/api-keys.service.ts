import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { RecentSecondFactor } from '../auth/services/recent-second-factor.service';
import type { ApiKeyRevocation } from '../revocation/revocation';
import { RevocationService } from '../revocation/revocation.service';
import {
  LoginAttemptService,
  LoginRequest,
} from '../credentials/services/login-attempt.service';
import { DEFAULT_SCOPES, Scope, SCOPES } from '../auth/scope';
import { Tier, tierSatisfies } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ClientInfo, clientOf } from '../common/client-info';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { ApiKeyEvents } from './api-key-events';
import { mintApiKey, randomKeyId } from './api-key-format';
import { parseEd25519PublicKey } from './ed25519-public-key';
import { MEMO_MAX_AGE_MS } from './api-key-memo';
import { ApiKeyStore } from './api-key.store';
import { ApiKeyView, toApiKeyView } from './api-key-view';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKey } from './entities/api-key.entity';
import {
  formatEntry,
  MinimumPrefixes,
  parseAllowlistEntry,
  tooWide,
} from './ip-allowlist';

/** Keys that still work, per user; more is refused with 422. */
export const MAX_LIVE_KEYS_PER_USER = 50;
/** From this tier up (Power: bulk actions) a key must be pinned to addresses. */
export const ALLOWLIST_REQUIRED_FROM = Tier.Power;
/**
 * How long a key's revocation is kept in memory and in the feed: longer than
 * any memo keeps a verdict, after which api_keys.revoked_at answers.
 */
const REVOCATION_HOLD_MS = 4 * MEMO_MAX_AGE_MS;
const DAY_MS = 86_400_000;

export interface CreatedApiKey extends Omit<
  ApiKeyView,
  'last_used_at' | 'last_used_ip'
> {
  /** A secret key itself: in this response only. An ed25519 key has none. */
  key?: string;
}

/** Creating, listing and revoking API keys. */
@Injectable()
export class ApiKeysService {
  private readonly minimumPrefixes: MinimumPrefixes;
  private readonly unpinnedMaxDays: number;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly logins: LoginAttemptService,
    private readonly revocation: RevocationService,
    private readonly events: ApiKeyEvents,
    private readonly secondFactor: RecentSecondFactor,
    config: AppConfig,
  ) {
    this.minimumPrefixes = {
      ipv4: config.apiKeyAllowlistMinPrefixV4,
      ipv6: config.apiKeyAllowlistMinPrefixV6,
    };
    this.unpinnedMaxDays = config.apiKeyUnpinnedMaxDays;
  }

  async create(
    principal: Principal,
    body: CreateApiKeyDto,
    request: LoginRequest,
  ): Promise<CreatedApiKey> {
    // Cheap refusals first: no password hash is spent on a request that fails anyway.
    const kind = keyKindOf(body);
    const allowlist = normaliseAllowlist(
      body.ip_allowlist ?? [],
      this.minimumPrefixes,
    );
    if (
      allowlist.length === 0 &&
      tierSatisfies(body.permission_tier, ALLOWLIST_REQUIRED_FROM)
    ) {
      throw new ApiException(
        ErrorCode.ValidationError,
        `ip_allowlist is required for keys of permission_tier ${ALLOWLIST_REQUIRED_FROM} or higher`,
      );
    }
    const scopes = canonicalScopes(body.scopes ?? DEFAULT_SCOPES);
    const expiresInDays = this.lifetimeDays(
      scopes,
      allowlist,
      body.expires_in_days,
    );
    this.checkTier(body.permission_tier, principal.tier);
    const owner = await this.logins.confirmPassword(
      request,
      principal.username,
      body.password,
    );
    // After the password: a code is checked only once the password is right,
    // so a wrong password spends no TOTP step.
    await this.secondFactor.require(request, principal, body.code, 'api_key');
    // The password check read the user afresh: its tier is the current one.
    this.checkTier(body.permission_tier, owner.permissionTier);
    const now = Date.now();
    const live = await this.store.listLive(owner.id, owner.sessionEpoch, now);
    if (live.length >= MAX_LIVE_KEYS_PER_USER) {
      throw new ApiException(
        ErrorCode.Unprocessable,
        `At most ${MAX_LIVE_KEYS_PER_USER} API keys per user; revoke one first`,
      );
    }
    const minted = kind.type === 'secret' ? mintApiKey() : undefined;
    const key: ApiKey = {
      id: minted?.id ?? randomKeyId(),
      userId: owner.id,
      name: body.name,
      type: kind.type,
      secretHash: minted?.secretHash ?? null,
      publicKey: kind.type === 'ed25519' ? kind.publicKey : null,
      permissionTier: body.permission_tier,
      scopes: JSON.stringify(scopes),
      ipAllowlist: JSON.stringify(allowlist),
      sessionEpoch: owner.sessionEpoch,
      createdAt: now,
      expiresAt:
        expiresInDays === undefined ? null : now + expiresInDays * DAY_MS,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
    };
    await this.store.insert(key);
    this.events.record({
      type: 'api_key_created',
      keyId: key.id,
      userId: key.userId,
      permissionTier: key.permissionTier,
      keyType: key.type,
      scopes,
      client: clientOf(request),
      at: now,
    });
    const { last_used_at: _at, last_used_ip: _ip, ...view } = toApiKeyView(key);
    return minted ? { ...view, key: minted.key } : view;
  }

  /** The user's keys that still work; 404 for an unknown user. */
  async list(userId: number): Promise<ApiKeyView[]> {
    const owner = await this.store.owner(userId);
    if (!owner) throw new ApiException(ErrorCode.NotFound, 'User not found');
    const keys = await this.store.listLive(
      userId,
      owner.sessionEpoch,
      Date.now(),
    );
    return keys.map(toApiKeyView);
  }

  /**
   * Revokes one of `userId`'s keys everywhere at once (database, this
   * instance, the others over Redis, sockets closed with 4002). 404 when the
   * user has no such unrevoked key.
   */
  async revoke(
    userId: number,
    keyId: string,
    client: ClientInfo,
  ): Promise<void> {
    const now = Date.now();
    const revoked = await this.revocation.revokeApiKeys(async (manager) => {
      const key = await this.store.markRevoked(manager, userId, keyId, now);
      if (!key) return [];
      const revocation: ApiKeyRevocation = {
        kind: 'api_key',
        keyId,
        userId,
        expiresAtMs: Math.min(
          key.expiresAt ?? Number.MAX_SAFE_INTEGER,
          now + REVOCATION_HOLD_MS,
        ),
      };
      return [revocation];
    });
    if (revoked.length === 0)
      throw new ApiException(ErrorCode.NotFound, 'API key not found');
    this.events.record({
      type: 'api_key_revoked',
      keyId,
      userId,
      client,
      at: now,
    });
  }

  /**
   * The key's lifetime in days under the scope rules (the venues': a key
   * that can move funds must be pinned, and one that trades unpinned
   * lapses): `transfer` needs an allowlist, and `trade` without one lives
   * API_KEY_UNPINNED_MAX_DAYS at most, which is also what it gets when no
   * expiry was asked for. Anything else: as asked (undefined: no expiry).
   */
  private lifetimeDays(
    scopes: readonly Scope[],
    allowlist: readonly string[],
    askedDays: number | undefined,
  ): number | undefined {
    if (allowlist.length > 0) return askedDays;
    if (scopes.includes(Scope.Transfer))
      throw new ApiException(
        ErrorCode.ValidationError,
        'A key with the "transfer" scope needs an ip_allowlist',
      );
    if (!scopes.includes(Scope.Trade)) return askedDays;
    const most = this.unpinnedMaxDays;
    if (askedDays === undefined) return most;
    if (askedDays > most)
      throw new ApiException(
        ErrorCode.ValidationError,
        `A key with the "trade" scope and no ip_allowlist expires within ${most} days (API_KEY_UNPINNED_MAX_DAYS): ask for at most ${most} expires_in_days, or pin the key with an ip_allowlist`,
      );
    return askedDays;
  }

  /**
   * Revokes every live key of the user at once, everywhere (a password
   * change: whatever a stolen password made must stop). Returns how many.
   */
  async revokeAllOf(userId: number, client: ClientInfo): Promise<number> {
    const now = Date.now();
    const revoked = await this.revocation.revokeApiKeys(async (manager) => {
      const keys = await this.store.markAllRevoked(manager, userId, now);
      return keys.map((key): ApiKeyRevocation => ({
        kind: 'api_key',
        keyId: key.id,
        userId,
        expiresAtMs: Math.min(
          key.expiresAt ?? Number.MAX_SAFE_INTEGER,
          now + REVOCATION_HOLD_MS,
        ),
      }));
    });
    for (const { keyId } of revoked)
      this.events.record({
        type: 'api_key_revoked',
        keyId,
        userId,
        client,
        at: now,
      });
    return revoked.length;
  }

  private checkTier(requested: Tier, owners: Tier): void {
    if (!tierSatisfies(owners, requested)) {
      throw new ApiException(
        ErrorCode.InsufficientTier,
        `permission_tier ${requested} is above your own tier (${owners})`,
      );
    }
  }
}

/** The scopes asked for, each once, in SCOPES order (so the stored value is stable). */
function canonicalScopes(asked: readonly Scope[]): Scope[] {
  return SCOPES.filter((scope) => asked.includes(scope));
}

/**
 * Which kind of key the body asks for, with an ed25519 key's public key
 * (raw bytes, base64url, as stored); 400 for a public key that is missing,
 * misplaced or not an Ed25519 public key.
 */
function keyKindOf(
  body: CreateApiKeyDto,
): { type: 'secret' } | { type: 'ed25519'; publicKey: string } {
  if ((body.type ?? 'secret') === 'secret') {
    if (body.public_key !== undefined)
      throw new ApiException(
        ErrorCode.ValidationError,
        'public_key is for keys of type "ed25519" only',
      );
    return { type: 'secret' };
  }
  if (body.public_key === undefined)
    throw new ApiException(
      ErrorCode.ValidationError,
      'public_key is required for a key of type "ed25519"',
    );
  const parsed = parseEd25519PublicKey(body.public_key);
  if ('problem' in parsed)
    throw new ApiException(ErrorCode.ValidationError, parsed.problem);
  return { type: 'ed25519', publicKey: parsed.raw.toString('base64url') };
}

/**
 * Parsed, normalised (networks, IPv4-mapped as IPv4) and de-duplicated
 * entries; 400 naming the first bad one, or the first that pins nothing.
 */
export function normaliseAllowlist(
  texts: readonly string[],
  minimum: MinimumPrefixes,
): string[] {
  const entries = new Set<string>();
  texts.forEach((text, index) => {
    const entry = parseAllowlistEntry(text);
    if (!entry) {
      throw new ApiException(
        ErrorCode.ValidationError,
        `ip_allowlist[${index}] is not an IPv4/IPv6 address or CIDR`,
      );
    }
    const wide = tooWide(entry, minimum);
    if (wide !== undefined) {
      throw new ApiException(
        ErrorCode.ValidationError,
        `ip_allowlist[${index}] is too wide: ${wide}`,
      );
    }
    entries.add(formatEntry(entry));
  });
  return [...entries];
}
