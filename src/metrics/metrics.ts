import type { FastifyReply, FastifyRequest } from 'fastify';

/** How a login ended (`POST /auth/login` and `/auth/login/mfa`). */
export type LoginOutcome =
  | 'success'
  | 'invalid_credentials'
  | 'mfa_required'
  | 'mfa_invalid'
  | 'rate_limited'
  | 'disabled'
  | 'unavailable'
  | 'error';

/** How a `POST /auth/refresh` ended. */
export type RefreshOutcome =
  'success' | 'invalid' | 'disabled' | 'rate_limited' | 'unavailable' | 'error';

/**
 * Where a revocation this instance applied came from: its own request, the
 * Redis channel, the database feed (the poll, and the start-up load), or a
 * batch held in Redis during a database outage.
 */
export type RevocationOrigin = 'local' | 'pubsub' | 'database' | 'held';

/** Gauges read when Prometheus scrapes, from a function their owner registers. */
export type WatchedGauge =
  | 'database_up'
  | 'ready'
  | 'redis_up'
  | 'redis_fallback'
  | 'blocklisted_jtis'
  | 'revoked_sessions'
  | 'revoked_users'
  | 'hash_queue_depth';

/**
 * What the rest of the service records, without knowing of prom-client.
 * Every label value is one of a fixed set chosen here or by the code (a
 * route template, a budget's name), never one from a request: no username,
 * address, token or key id.
 *
 * With METRICS_PORT unset this is `NoopMetrics`: every call does nothing,
 * and the per-request HTTP hook is not installed at all.
 */
export abstract class Metrics {
  abstract readonly enabled: boolean;
  /** The HTTP request histogram; called from the onResponse hook, when enabled. */
  abstract httpResponse(request: FastifyRequest, reply: FastifyReply): void;
  abstract login(outcome: LoginOutcome): void;
  abstract refresh(outcome: RefreshOutcome): void;
  abstract logout(): void;
  /** A request refused with 429 by the budget of that policy name (`ip`, `user`, `login-ip`, `refresh`, ...). */
  abstract rateLimited(budget: string): void;
  /** `count` revocations that were news to this instance. */
  abstract revocationsApplied(origin: RevocationOrigin, count: number): void;
  /** Seconds from another instance's publish to this one's apply. */
  abstract revocationDelay(seconds: number): void;
  abstract socketOpened(): void;
  abstract socketClosed(code: number): void;
  /** Seconds a password hash waited in line for a thread. */
  abstract hashWaited(seconds: number): void;
  /** A hash refused because the line was full (503). */
  abstract hashRefused(): void;
  /** `read` answers the gauge's value at each scrape (1/0 for states). */
  abstract watch(
    gauge: WatchedGauge,
    read: () => number | Promise<number>,
  ): void;
}

/** Metrics off: nothing is counted and nothing is kept. */
export class NoopMetrics extends Metrics {
  readonly enabled = false;
  httpResponse(): void {}
  login(): void {}
  refresh(): void {}
  logout(): void {}
  rateLimited(): void {}
  revocationsApplied(): void {}
  revocationDelay(): void {}
  socketOpened(): void {}
  socketClosed(): void {}
  hashWaited(): void {}
  hashRefused(): void {}
  watch(): void {}
}

/** For classes also built by hand (unit specs) without the module. */
export const NO_METRICS: Metrics = new NoopMetrics();
