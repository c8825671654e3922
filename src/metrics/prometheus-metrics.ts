import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import {
  LoginOutcome,
  Metrics,
  RefreshOutcome,
  RevocationOrigin,
  WatchedGauge,
} from './metrics';

export const METRIC_PREFIX = 'trading_auth_';

/** The route label of a request no route matched (404s of any URL): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Methods kept as they are; anything else (Node parses some 30) is `other`. */
const METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** Close codes this service sends or a client commonly does; any other code a client picks is `other`. */
const CLOSE_CODES: ReadonlySet<number> = new Set([
  1000, 1001, 1005, 1006, 1008, 1011, 4001, 4002, 4008,
]);

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

const GAUGE_HELP: Record<WatchedGauge, string> = {
  database_up: '1 when the database answers SELECT 1 within a second',
  ready: '1 when GET /health/ready would answer 200',
  redis_up: '1 when REDIS_URL is set and the command connection is ready',
  redis_fallback:
    '1 when REDIS_URL is set but Redis is unreachable: limits per instance, revocations through the database feed',
  blocklisted_jtis: 'Access token ids blocklisted in this instance memory',
  revoked_sessions:
    'Revoked sessions and API keys in this instance memory, until their tokens expire',
  revoked_users: 'Users whose older access tokens are revoked (token_version)',
  hash_queue_depth: 'Password hashes waiting for a thread',
};

/**
 * The metrics in prom-client's registry, one registry per application (the
 * test suites run several in one process).
 */
export class PrometheusMetrics extends Metrics {
  readonly enabled = true;
  readonly registry = new Registry();
  private readonly http: Histogram<'route' | 'method' | 'status_class'>;
  /** Histogram children by route, method and status class: a request does one Map lookup, not a label hash. */
  private readonly httpChildren = new Map<
    string,
    ReturnType<Histogram['labels']>
  >();
  private readonly logins: Counter<'outcome'>;
  private readonly refreshes: Counter<'outcome'>;
  private readonly logouts: Counter;
  private readonly rateLimits: Counter<'budget'>;
  private readonly revocations: Counter<'origin'>;
  private readonly delay: Histogram;
  private readonly sockets: Gauge;
  private readonly closes: Counter<'code'>;
  private readonly hashWait: Histogram;
  private readonly hashRefusals: Counter;

  constructor() {
    super();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    // Gauges named like counters, which `promtool check metrics` refuses;
    // the same counts stay, by type, in nodejs_active_handles and friends.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      this.registry.removeSingleMetric(METRIC_PREFIX + name);
    this.http = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP requests by route template, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.logins = new Counter({
      name: `${METRIC_PREFIX}logins_total`,
      help: 'Logins (password, and second step) by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.refreshes = new Counter({
      name: `${METRIC_PREFIX}refreshes_total`,
      help: 'Refresh token exchanges by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.logouts = new Counter({
      name: `${METRIC_PREFIX}logouts_total`,
      help: 'Logouts answered 204',
      registers,
    });
    this.rateLimits = new Counter({
      name: `${METRIC_PREFIX}rate_limit_rejections_total`,
      help: 'Requests refused with 429, by the budget (policy name) used up',
      labelNames: ['budget'],
      registers,
    });
    this.revocations = new Counter({
      name: `${METRIC_PREFIX}revocations_applied_total`,
      help: 'Revocations this instance learnt, by where they came from',
      labelNames: ['origin'],
      registers,
    });
    this.delay = new Histogram({
      name: `${METRIC_PREFIX}revocation_delay_seconds`,
      help: 'From the revoking instance publishing a revocation to this instance applying it (Redis pub/sub)',
      buckets: [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
      ],
      registers,
    });
    this.sockets = new Gauge({
      name: `${METRIC_PREFIX}websocket_open_sockets`,
      help: 'Authenticated WebSockets open on this instance',
      registers,
    });
    this.closes = new Counter({
      name: `${METRIC_PREFIX}websocket_closes_total`,
      help: 'WebSocket closes by close code (other: a code a client chose)',
      labelNames: ['code'],
      registers,
    });
    this.hashWait = new Histogram({
      name: `${METRIC_PREFIX}hash_wait_seconds`,
      help: 'Time a password hash waited for a thread of the hash pool',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.hashRefusals = new Counter({
      name: `${METRIC_PREFIX}hash_rejections_total`,
      help: 'Logins answered 503 because the hash queue was full',
      registers,
    });
    // Labelled series that exist from the start, so rate() and ratios see
    // zeros rather than nothing.
    for (const outcome of ['success', 'invalid_credentials'] as const)
      this.logins.labels(outcome).inc(0);
    this.refreshes.labels('success').inc(0);
    for (const origin of ['local', 'pubsub', 'database'] as const)
      this.revocations.labels(origin).inc(0);
  }

  httpResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = METHODS.has(request.method) ? request.method : 'other';
    const status =
      STATUS_CLASSES[Math.floor(reply.statusCode / 100) - 1] ?? 'other';
    const key = `${method} ${status} ${route}`;
    let child = this.httpChildren.get(key);
    if (child === undefined) {
      child = this.http.labels(route, method, status);
      this.httpChildren.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
  }

  login(outcome: LoginOutcome): void {
    this.logins.labels(outcome).inc();
  }

  refresh(outcome: RefreshOutcome): void {
    this.refreshes.labels(outcome).inc();
  }

  logout(): void {
    this.logouts.inc();
  }

  rateLimited(budget: string): void {
    this.rateLimits.labels(budget).inc();
  }

  revocationsApplied(origin: RevocationOrigin, count: number): void {
    if (count > 0) this.revocations.labels(origin).inc(count);
  }

  revocationDelay(seconds: number): void {
    this.delay.observe(seconds);
  }

  socketOpened(): void {
    this.sockets.inc();
  }

  socketClosed(code: number): void {
    this.sockets.dec();
    this.closes.labels(CLOSE_CODES.has(code) ? String(code) : 'other').inc();
  }

  hashWaited(seconds: number): void {
    this.hashWait.observe(seconds);
  }

  hashRefused(): void {
    this.hashRefusals.inc();
  }

  watch(gauge: WatchedGauge, read: () => number | Promise<number>): void {
    const name = `${METRIC_PREFIX}${gauge}`;
    // The latest owner reads it (one per application, but never a throw).
    this.registry.removeSingleMetric(name);
    new Gauge({
      name,
      help: GAUGE_HELP[gauge],
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}
