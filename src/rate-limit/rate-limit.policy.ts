import {
  normalizeIp,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { hash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { RateLimitCounter } from './rate-limit.constants';

/**
 * The pure rules of rate limiting: what a request is charged to and which
 * budget applies. RateLimitGuard and the login checks gather the inputs and
 * call these.
 */

/** A limit, or how to read it from the validated configuration. */
export type RateLimitMax = number | ((config: AppConfig) => number);

/**
 * For a request that carries no principal (a public route): what identifies
 * the user it is about, read from the parsed JSON body. `undefined` leaves
 * the request to the IP counter alone.
 */
export type UserKeyOf = (body: unknown) => string | undefined;

export interface RateLimitOptions {
  /** Write requests per window from one client address. */
  ip?: RateLimitMax;
  /** Write requests per window for one user. */
  user?: RateLimitMax;
  /** Length of the fixed window, in seconds. */
  windowSeconds?: number;
  /** How to name the user of an unauthenticated request; see UserKeyOf. */
  userKey?: UserKeyOf;
}

/** The request fields rate limiting looks at. */
export interface RateLimitedRequest {
  ip?: string;
  body?: unknown;
  principal?: { id: number; apiKeyId?: string } | null;
}

/** @RateLimit options found on a route, and the budget name they belong to. */
export interface RouteRateLimit {
  options: RateLimitOptions;
  /** `Controller.handler` or `Controller`, wherever the decorator sits. */
  scope: string;
}

export interface Budget {
  limit: number;
  ttlMs: number;
  /** Requests of the same scope and tracker share one counter. */
  scope: string;
}

/**
 * @nestjs/throttler's options: the shared write budgets as the named
 * throttlers `ip` and `user` (checked in that order: same ttl, and throttler
 * sorts stably by ttl), counted in `storage` (RateLimiter). No headers of
 * throttler's own: RateLimitGuard writes the IETF RateLimit fields.
 */
export function throttlerOptions(
  config: Pick<
    AppConfig,
    'rateLimitIpMax' | 'rateLimitUserMax' | 'rateLimitWindowSeconds'
  >,
  storage: ThrottlerStorage,
): ThrottlerModuleOptions {
  const ttl = config.rateLimitWindowSeconds * 1000;
  return {
    throttlers: [
      { name: RateLimitCounter.Ip, limit: config.rateLimitIpMax, ttl },
      { name: RateLimitCounter.User, limit: config.rateLimitUserMax, ttl },
    ],
    storage,
    setHeaders: false,
  };
}

/** The client address as a counter's tracker, IPv6 grouped by /64 as @nestjs/throttler does. */
export function addressTracker(ip: string | undefined): string {
  return `ip:${normalizeIp(ip ?? 'unknown')}`;
}

/** An authenticated user (or the owner of a verified refresh token) as a tracker. */
export function userTracker(userId: number): string {
  return `user:${userId}`;
}

/**
 * Who a request is charged to on `counter`: the client address, or the
 * authenticated user, or what the route's userKey reads from the body.
 * `undefined`: not counted there (login and refresh charge their user once
 * they know who it is).
 */
export function trackerOf(
  counter: RateLimitCounter,
  request: RateLimitedRequest,
  userKey?: UserKeyOf,
): string | undefined {
  if (counter === RateLimitCounter.Ip) return addressTracker(request.ip);
  if (request.principal)
    // An API key is a user of its own: a runaway bot cannot use up its owner's budget.
    return request.principal.apiKeyId !== undefined
      ? `api-key:${request.principal.apiKeyId}`
      : userTracker(request.principal.id);
  return userKey?.(request.body);
}

/** Whether @RateLimit options set a budget of their own (rather than only a userKey). */
export function hasOwnLimits(options: RateLimitOptions): boolean {
  return (
    options.ip !== undefined ||
    options.user !== undefined ||
    options.windowSeconds !== undefined
  );
}

/**
 * The budget a request is checked against on `counter`: the shared one of all
 * writes, or, on a route whose @RateLimit sets limits, that route's own.
 */
export function budgetFor(
  counter: RateLimitCounter,
  shared: Budget,
  route: RouteRateLimit | undefined,
  config: AppConfig,
): Budget {
  if (route === undefined || !hasOwnLimits(route.options)) return shared;
  const max = route.options[counter];
  return {
    limit:
      max === undefined
        ? shared.limit
        : typeof max === 'function'
          ? max(config)
          : max,
    ttlMs:
      route.options.windowSeconds === undefined
        ? shared.ttlMs
        : route.options.windowSeconds * 1000,
    scope: route.scope,
  };
}

/**
 * Failed-login budgets. RATE_LIMIT_LOGIN_MAX can only make login stricter
 * than the general limits: per address it is at most RATE_LIMIT_IP_MAX, per
 * account (and per trusted device) at most RATE_LIMIT_USER_MAX.
 */
export function failedLoginLimits(
  config: Pick<
    AppConfig,
    'rateLimitIpMax' | 'rateLimitUserMax' | 'rateLimitLoginMax'
  >,
): { address: number; account: number } {
  return {
    address: Math.min(config.rateLimitLoginMax, config.rateLimitIpMax),
    account: Math.min(config.rateLimitLoginMax, config.rateLimitUserMax),
  };
}

/**
 * Storage key of one counter. Hashed, so usernames do not sit in the store
 * in clear and a long submitted username makes no long key. One-shot
 * `hash`: every write request computes two of these, and createHash's
 * objects lengthen each scavenge (see common/sha256.ts).
 */
export function storageKey(
  scope: string,
  counter: string,
  tracker: string,
): string {
  return hash('sha256', `${scope}\n${counter}\n${tracker}`, 'base64url');
}

/** Retry-After: whole seconds, at least 1, from the milliseconds until a slot frees up. */
export function retryAfterSeconds(secondsUntilFree: number): number {
  return Number.isFinite(secondsUntilFree)
    ? Math.max(1, Math.ceil(secondsUntilFree))
    : 1;
}
