import { normalizeIp } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { normalizeUsername } from '../users/username';
import { RateLimitCounter } from './rate-limit.constants';

/**
 * The pure rules of rate limiting: what a request is charged to and which
 * budget applies. RateLimitGuard only gathers the inputs and calls these.
 */

/** A limit, or how to read it from the validated configuration (e.g. RATE_LIMIT_LOGIN_MAX). */
export type RateLimitMax = number | ((config: AppConfig) => number);

/**
 * For a request that carries no principal (a public route such as login):
 * what identifies the user it is about, read from the parsed JSON body.
 * `undefined` leaves the request to the IP counter alone.
 */
export type UserKeyOf = (body: unknown) => string | undefined;

export interface RateLimitOptions {
  /** Write requests per window from one client address. */
  ip?: RateLimitMax;
  /** Write requests per window for one user. */
  user?: RateLimitMax;
  /** Length of the sliding window, in seconds. */
  windowSeconds?: number;
  /** How to name the user of an unauthenticated request; see UserKeyOf. */
  userKey?: UserKeyOf;
}

/** The request fields rate limiting looks at. */
export interface RateLimitedRequest {
  ip?: string;
  body?: unknown;
  principal?: { id: number };
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

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** Login: the submitted username, normalised as user lookups normalise it. */
export const submittedUsername: UserKeyOf = (body) => {
  const username = field(body, 'username');
  if (typeof username !== 'string') return undefined;
  const normalized = normalizeUsername(username);
  return normalized === '' ? undefined : `username:${normalized}`;
};

/** Refresh: the session id, the part of the refresh token before the '.'. */
export const refreshSession: UserKeyOf = (body) => {
  const token = field(body, 'refresh_token');
  const match =
    typeof token === 'string' ? /^([A-Za-z0-9_-]{1,64})\./.exec(token) : null;
  return match ? `session:${match[1]}` : undefined;
};

/**
 * Who a request is charged to on `counter`: the client address (IPv6 grouped
 * by /64, as @nestjs/throttler does), or the authenticated user, or what the
 * route's userKey reads from the body. `undefined`: not counted there.
 */
export function trackerOf(
  counter: RateLimitCounter,
  request: RateLimitedRequest,
  userKey?: UserKeyOf,
): string | undefined {
  if (counter === RateLimitCounter.Ip)
    return `ip:${normalizeIp(request.ip ?? 'unknown')}`;
  if (request.principal) return `user:${request.principal.id}`;
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
 * writes, or, on a route whose @RateLimit sets limits, that route's own (a
 * login attempt does not use up the budget of other writes, nor they its).
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
 * Storage key of one counter. Hashed, so usernames do not sit in the store
 * in clear and a long submitted username makes no long key.
 */
export function storageKey(
  scope: string,
  counter: RateLimitCounter,
  tracker: string,
): string {
  return createHash('sha256')
    .update(`${scope}\n${counter}\n${tracker}`)
    .digest('base64url');
}

/** Retry-After: whole seconds, at least 1, from the storage's seconds until a slot frees up. */
export function retryAfterSeconds(secondsUntilFree: number): number {
  return Number.isFinite(secondsUntilFree)
    ? Math.max(1, Math.ceil(secondsUntilFree))
    : 1;
}
