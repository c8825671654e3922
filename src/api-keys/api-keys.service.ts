import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { RecentSecondFactor } from '../auth/services/recent-second-factor.service';
import type { ApiKeyRevocation } from '../revocation/revocation';
import { RevocationService } from '../revocation/revocation.service';
import {
  LoginAttemptService,
  LoginRequest,
} from '../credentials/services/login-attempt.service';
import { Tier, tierSatisfies } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ClientInfo, clientOf } from '../common/client-info';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { ApiKeyEvents } from './api-key-events';
import { mintApiKey } from './api-key-format';
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
  /** The key itself: in this response only. */
  key: string;
}

/** Creating, listing and revoking API keys. */
@Injectable()
export class ApiKeysService {
  private readonly minimumPrefixes: MinimumPrefixes;

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
  }

  async create(
    principal: Principal,
    body: CreateApiKeyDto,
    request: LoginRequest,
  ): Promise<CreatedApiKey> {
    // Cheap refusals first: no password hash is spent on a request that fails anyway.
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
    const minted = mintApiKey();
    const key: ApiKey = {
      id: minted.id,
      userId: owner.id,
      name: body.name,
      secretHash: minted.secretHash,
      permissionTier: body.permission_tier,
      ipAllowlist: JSON.stringify(allowlist),
      sessionEpoch: owner.sessionEpoch,
      createdAt: now,
      expiresAt:
        body.expires_in_days === undefined
          ? null
          : now + body.expires_in_days * DAY_MS,
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
      client: clientOf(request),
      at: now,
    });
    const { last_used_at: _at, last_used_ip: _ip, ...view } = toApiKeyView(key);
    return { ...view, key: minted.key };
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
