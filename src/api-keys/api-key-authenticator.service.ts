import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { RevocationService } from '../revocation/revocation.service';
import { Tier } from '../auth/tier';
import { isScope, Scope } from '../auth/scope';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import {
  API_KEY_FAILURE_BUDGET,
  API_KEY_FAILURE_SCOPE,
} from '../rate-limit/rate-limit.constants';
import { addressTracker } from '../rate-limit/rate-limit.policy';
import {
  BudgetSpec,
  rateLimited,
  RateLimiter,
} from '../rate-limit/rate-limiter.service';
import { rateLimitHeaders } from '../rate-limit/rate-limit-headers';
import type { Charge, WindowState } from '../rate-limit/store/rate-limit-store';
import { sameSecret, secretMatches } from './api-key-format';
import { ApiKeyEvents } from './api-key-events';
import { ApiKeyMemo, UnknownKeyIds } from './api-key-memo';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeyStore, KeyWithOwner } from './api-key.store';
import { ed25519KeyObject } from './ed25519-public-key';
import { IpAllowlist } from './ip-allowlist';
import { PresentedKey, presentedKey, SignableRequest } from './presented-key';
import {
  acceptableUntilMs,
  signatureInvalid,
  signatureVerifies,
  windowRefusal,
} from './request-signature';
import { SignatureReplays } from './signature-replays';
import type { KeyProof, VerifiedKey } from './verified-key';

/** `exp` of a key that does not expire (Principal.expiresAt is epoch seconds). */
const NEVER_SECONDS = 253_402_300_799; // 9999-12-31

type ValidKey = Extract<VerifiedKey, { valid: true }>;
type SignedKey = Extract<PresentedKey, { type: 'ed25519' }>;

function invalidKey(): ApiException {
  // One message for unknown, revoked, expired and disabled-owner keys: the
  // answer does not tell a guesser which ids exist.
  return new ApiException(
    ErrorCode.ApiKeyInvalid,
    'Invalid API key: unknown, revoked or expired, or its owner is disabled',
  );
}

function signatureRequired(): ApiException {
  return new ApiException(
    ErrorCode.SignatureRequired,
    'This API key signs its requests: send X-API-Key: <id>, X-API-Timestamp and X-API-Signature',
  );
}

function signatureReplayed(): ApiException {
  return new ApiException(
    ErrorCode.SignatureReplayed,
    'This signature was already used: sign every request afresh, with a new X-API-Timestamp',
  );
}

/**
 * "Who does this API key stand for, from this address, right now?" A known
 * key is answered from memory (ApiKeyMemo plus the in-memory revocation
 * state), synchronously; only a key not seen for MEMO_MAX_AGE_MS, or whose
 * owner's tokens were revoked since (tier change, disable), is read from the
 * database again. An id that found no row is remembered too (UnknownKeyIds).
 *
 * A secret key proves itself by its secret; an ed25519 key by a signature
 * over this very request (request-signature.ts), inside its time window,
 * never seen before (SignatureReplays: the one step that may wait on Redis,
 * so a signed request is always answered by a promise).
 *
 * Every refusal (401 api_key_invalid, the signature codes, 403
 * ip_not_allowed) is charged to the
 * client address's failure budget (RATE_LIMIT_API_KEY_FAILURES_MAX per
 * RATE_LIMIT_WINDOW_SECONDS, in Redis when it is configured, so shared by
 * every instance); past it the address gets 429 rate_limited, and what it
 * sends reaches the database no more. Seen before it existed (issue 21):
 * 1,000 `GET /auth/me` with random well-formed keys from one address were
 * all 401, none 429, and raised MariaDB's Com_select by 1,018.
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleInit, OnModuleDestroy {
  private readonly memo = new ApiKeyMemo();
  private readonly unknown = new UnknownKeyIds();
  /** One database read per key at a time, however many requests wait on it. */
  private readonly loading = new Map<
    string,
    Promise<VerifiedKey | undefined>
  >();
  private readonly failureLimit: number;
  private readonly failureWindowSeconds: number;
  private unsubscribe?: () => void;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly revocation: RevocationService,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly events: ApiKeyEvents,
    private readonly limiter: RateLimiter,
    private readonly replays: SignatureReplays,
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.failureLimit = config.rateLimitApiKeyFailuresMax;
    this.failureWindowSeconds = config.rateLimitWindowSeconds;
  }

  /** 429 for an address past its failed-key budget, counted by that budget's name. */
  private tooManyFailures(
    budget: BudgetSpec,
    state: WindowState,
  ): ApiException {
    this.metrics.rateLimited(budget.name);
    return tooManyFailures(budget, state);
  }

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

  /**
   * The principal, synchronously when the key is memoised and checks out; a
   * promise otherwise (always for a signed request), rejected with 401/403
   * ApiException, or 429 once the address has used up its failure budget.
   * Signature headers of the wrong form are refused at once (400, or 401
   * signature_invalid), before any key is looked at.
   */
  authenticate(
    header: string,
    ip: string | undefined,
    request: SignableRequest,
  ): Principal | Promise<Principal> {
    const presented = presentedKey(header, request);
    if (!presented) return this.refused(invalidKey(), ip);
    const now = Date.now();
    const known = this.memo.get(presented.id, now);
    if (known && !known.valid) return this.refused(invalidKey(), ip);
    if (known && !this.revocation.isRevoked(known.principal)) {
      const refusal = this.refusalOf(known, presented, ip, now);
      if (refusal !== undefined) return this.refused(refusal, ip, known);
      if (presented.type === 'ed25519')
        return this.unlessReplayed(known, presented, ip);
      this.usage.note(known, ip, now);
      return known.principal;
    }
    // Unknown here, or its owner's tokens were revoked since it was read
    // (a tier change or a disable): read it again.
    if (known) this.memo.delete(presented.id);
    else if (this.unknown.has(presented.id, now))
      return this.refused(invalidKey(), ip);
    return this.viaDatabase(presented, ip);
  }

  private async viaDatabase(
    presented: PresentedKey,
    ip: string | undefined,
  ): Promise<Principal> {
    const { id } = presented;
    let loading = this.loading.get(id);
    let slot: Charge | undefined;
    if (loading === undefined) {
      // Reserved before the read, so an address past its budget reads
      // nothing more; a key that checks out gives the slot back. Requests
      // joining a read already under way cost no read and are charged only
      // if they fail (a bot's workers starting together are not refused).
      const budget = this.failureBudget(ip);
      slot = await this.limiter.charge(budget);
      if (slot.blocked) throw this.tooManyFailures(budget, slot);
      loading = this.load(id);
    }
    let key: VerifiedKey | undefined;
    try {
      key = await loading;
    } catch (error) {
      // The database failed, not the client.
      await slot?.refund();
      throw error;
    }
    const now = Date.now();
    if (key?.valid && !this.revocation.isRevoked(key.principal)) {
      const refusal = this.refusalOf(key, presented, ip, now);
      if (refusal === undefined && presented.type === 'ed25519')
        return this.unlessReplayed(key, presented, ip, slot);
      if (refusal === undefined) {
        await slot?.refund();
        this.usage.note(key, ip, now);
        return key.principal;
      }
      return this.failedAfterRead(refusal, ip, slot, key);
    }
    return this.failedAfterRead(invalidKey(), ip, slot);
  }

  /** A refusal after a read: the slot reserved for it is its charge; without one, it is charged now. */
  private failedAfterRead(
    refusal: ApiException,
    ip: string | undefined,
    slot: Charge | undefined,
    key?: ValidKey,
  ): Promise<never> {
    if (slot === undefined) return this.refused(refusal, ip, key);
    this.noteRefusal(refusal, ip, key);
    return Promise.reject(refusal);
  }

  /**
   * The last step of a signed request, once everything else checked out:
   * the signature must not have been seen before (on any instance, with
   * Redis). The failure slot reserved for a database read is its charge if
   * it was; given back otherwise.
   */
  private async unlessReplayed(
    key: ValidKey,
    presented: SignedKey,
    ip: string | undefined,
    slot?: Charge,
  ): Promise<Principal> {
    const { signature } = presented;
    // refusalOf has refused an unsigned request already; never let one pass.
    if (signature === undefined)
      return this.failedAfterRead(signatureRequired(), ip, slot, key);
    let first: boolean;
    try {
      first = await this.replays.firstUse(
        key.id,
        signature.signature,
        acceptableUntilMs(signature),
      );
    } catch (error) {
      // Our memory is full (503), not the client's fault.
      await slot?.refund();
      throw error;
    }
    if (!first) return this.failedAfterRead(signatureReplayed(), ip, slot, key);
    await slot?.refund();
    this.usage.note(key, ip, Date.now());
    return key.principal;
  }

  /**
   * Why a verified key may not be used by this request; undefined if it may
   * (but for a signature's replay check, which comes last).
   */
  private refusalOf(
    key: ValidKey,
    presented: PresentedKey,
    ip: string | undefined,
    nowMs: number,
  ): ApiException | undefined {
    const refusal = proofRefusal(key.proof, presented, nowMs);
    if (refusal !== undefined) return refusal;
    if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs)
      return invalidKey();
    if (!key.allowlist.allows(ip)) {
      return new ApiException(
        ErrorCode.IpNotAllowed,
        'This API key may not be used from this address',
      );
    }
    return undefined;
  }

  /**
   * Charges a refusal to the address: 429 once its budget is used up, the
   * refusal itself until then. Past the budget refusals are not audited one
   * by one, so the audit trail grows by at most the budget per address and
   * window.
   */
  private async refused(
    refusal: ApiException,
    ip: string | undefined,
    key?: ValidKey,
  ): Promise<never> {
    const budget = this.failureBudget(ip);
    const charge = await this.limiter.charge(budget);
    if (charge.blocked) throw this.tooManyFailures(budget, charge);
    this.noteRefusal(refusal, ip, key);
    throw refusal;
  }

  /** The right key from the wrong address is worth an audit event: the key may have leaked. */
  private noteRefusal(
    refusal: ApiException,
    ip: string | undefined,
    key: ValidKey | undefined,
  ): void {
    if (key === undefined || refusal.code !== ErrorCode.IpNotAllowed) return;
    this.events.record({
      type: 'api_key_ip_not_allowed',
      keyId: key.id,
      userId: key.userId,
      ip: ip ?? null,
      at: Date.now(),
    });
  }

  private failureBudget(ip: string | undefined): BudgetSpec {
    return {
      name: API_KEY_FAILURE_BUDGET,
      scope: API_KEY_FAILURE_SCOPE,
      tracker: addressTracker(ip),
      limit: this.failureLimit,
      windowSeconds: this.failureWindowSeconds,
    };
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
    if (!found) {
      // Safe to remember, and never to invalidate: see UnknownKeyIds.
      this.unknown.add(id, Date.now());
      return undefined;
    }
    const verified = judge(found, Date.now());
    this.memo.set(verified);
    return verified;
  }
}

/**
 * 429 with Retry-After and the RateLimit fields of the failure budget (the
 * request stops here, before the write guard, which would add its own).
 */
function tooManyFailures(budget: BudgetSpec, state: WindowState): ApiException {
  const { message, headers } = rateLimited(
    state.resetMs,
    'this client address after failed API keys',
  );
  return new ApiException(ErrorCode.RateLimited, message, {
    ...headers,
    ...rateLimitHeaders([
      {
        name: budget.name,
        limit: budget.limit,
        windowSeconds: budget.windowSeconds,
        state,
      },
    ]),
  });
}

/**
 * Whether the request shows what the key needs: its secret, or a signature
 * in its window that verifies. An ed25519 key presented as a secret key, or
 * bare, is told it needs a signature; a secret key's id alone is no key.
 */
function proofRefusal(
  proof: KeyProof,
  presented: PresentedKey,
  nowMs: number,
): ApiException | undefined {
  if (proof.type === 'secret') {
    if (presented.type !== 'secret') return invalidKey();
    const { secret } = presented;
    if (
      proof.provenSecret === undefined ||
      !sameSecret(secret, proof.provenSecret)
    ) {
      if (!secretMatches(secret, proof.secretHash)) return invalidKey();
      proof.provenSecret = secret;
    }
    return undefined;
  }
  if (presented.type !== 'ed25519' || presented.signature === undefined)
    return signatureRequired();
  const outside = windowRefusal(presented.signature, nowMs);
  if (outside !== undefined) return outside;
  return signatureVerifies(
    proof.publicKey,
    presented.signature,
    presented.parts,
  )
    ? undefined
    : signatureInvalid();
}

/** How a key row is proven; undefined for a row that cannot be (which fails closed). */
function proofOf(key: KeyWithOwner['key']): KeyProof | undefined {
  if (key.type === 'secret' && key.secretHash !== null)
    return { type: 'secret', secretHash: Buffer.from(key.secretHash, 'hex') };
  if (key.type === 'ed25519' && key.publicKey !== null) {
    try {
      return { type: 'ed25519', publicKey: ed25519KeyObject(key.publicKey) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The verdict on a key row and its owner, as of `nowMs`. */
export function judge(
  { key, owner }: KeyWithOwner,
  nowMs: number,
): VerifiedKey {
  const stored = parseStoredAllowlist(key.ipAllowlist);
  const allowlist =
    stored === undefined ? undefined : IpAllowlist.fromStored(stored);
  const proof = proofOf(key);
  const scopes = parseStoredScopes(key.scopes);
  if (
    key.revokedAt !== null ||
    owner.disabled ||
    key.sessionEpoch !== owner.sessionEpoch ||
    // A row whose allowlist or proof cannot be read fails closed, never open.
    allowlist === undefined ||
    proof === undefined ||
    scopes === undefined
  )
    return { valid: false, id: key.id, verifiedAtMs: nowMs };
  const tier = Math.min(key.permissionTier, owner.permissionTier) as Tier;
  return {
    valid: true,
    id: key.id,
    userId: key.userId,
    proof,
    allowlist,
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
      scopes,
    },
    verifiedAtMs: nowMs,
    usage: {
      // A restart does not write again what another process wrote a moment ago.
      writtenAtMs: key.lastUsedAt ?? 0,
      addresses: new Set(key.lastUsedIp ? [key.lastUsedIp] : []),
    },
  };
}

/** The stored JSON array of scopes; undefined for anything else, an unknown scope included (the key then fails closed). */
export function parseStoredScopes(json: string): Scope[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every(isScope) ? value : undefined;
  } catch {
    return undefined;
  }
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
