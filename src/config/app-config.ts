/** Which database driver a DATABASE_URL selects. */
export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | {
      type: 'mysql';
      host: string;
      port: number;
      username: string;
      password: string;
      database: string;
    };

/**
 * Fastify's `trustProxy`: false (use the socket address), a hop count, or the
 * addresses/CIDRs of the proxies whose X-Forwarded-For is believed.
 */
export type TrustProxy = false | number | string[];

/**
 * The validated, typed settings of one process. Built once at start-up by
 * `loadConfig` and provided to every module; nothing else reads process.env.
 */
export class AppConfig {
  readonly nodeEnv!: 'development' | 'production' | 'test';
  readonly host!: string;
  readonly port!: number;
  readonly logLevel!: string;
  readonly dataDir!: string;
  readonly database!: DatabaseConfig;
  /** Seconds start-up waits for another process's migrations before it gives up. */
  readonly migrationLockTimeoutSeconds!: number;
  /**
   * The HS256 key (JWT_SECRET), also the root of the WebSocket ticket and
   * refresh-rotation MACs. Under ES256/EdDSA in production without
   * JWT_SECRET, derived from DATA_ENCRYPTION_KEY.
   */
  readonly jwtSecret!: string;
  /** How access tokens are signed: ES256 or EdDSA with a key from signing_keys, or HS256 with jwtSecret. */
  readonly jwtAlgorithm!: 'ES256' | 'EdDSA' | 'HS256';
  /** Seconds verifiers may cache the JWKS; a new key is published at least this long before it signs. */
  readonly jwksMaxAge!: number;
  /** Days a signing key signs before the next one takes over. */
  readonly jwtKeyRotationDays!: number;
  /** 32 bytes: the master key that seals secrets at rest (see encryption/data-encryption.ts). */
  readonly dataEncryptionKey!: Buffer;
  /** The master key being replaced, still used to open what it sealed. */
  readonly dataEncryptionKeyPrevious?: Buffer;
  /** The DATA_DIR file the data encryption key comes from when DATA_ENCRYPTION_KEY is unset (development). */
  readonly generatedDataEncryptionKeyFile?: string;
  readonly jwtIssuer!: string;
  readonly jwtAudience!: string;
  /** Seconds. */
  readonly accessTokenTtl!: number;
  /** Seconds. */
  readonly refreshTokenTtl!: number;
  readonly bootstrapAdminUsername?: string;
  readonly bootstrapAdminPassword?: string;
  readonly rateLimitWindowSeconds!: number;
  readonly rateLimitIpMax!: number;
  readonly rateLimitUserMax!: number;
  readonly rateLimitLoginMax!: number;
  /** Failed API key authentications per window from one client address. */
  readonly rateLimitApiKeyFailuresMax!: number;
  /** Shortest prefix of an IPv4 / IPv6 entry in an API key's allowlist. */
  readonly apiKeyAllowlistMinPrefixV4!: number;
  readonly apiKeyAllowlistMinPrefixV6!: number;
  /** Days at most that a key with the trade scope and no allowlist lives. */
  readonly apiKeyUnpinnedMaxDays!: number;
  readonly trustProxy!: TrustProxy;
  readonly bodyLimitBytes!: number;
  readonly passwordHashConcurrency!: number;
  readonly passwordHashQueue!: number;
  /** How often each instance reads revocations made by other instances. */
  readonly revocationSyncMs!: number;
  readonly blocklistPurgeSeconds!: number;
  readonly wsMaxSocketsPerUser!: number;
  readonly wsMaxSockets!: number;
  readonly wsHeartbeatSeconds!: number;
  /** Frames one socket may send per second before it gets error events (and, past twice that, is closed). */
  readonly wsMaxMessagesPerSecond!: number;
  /** Browser origins allowed to open a WebSocket; undefined means any. Requests without Origin always pass. */
  readonly wsAllowedOrigins?: readonly string[];
  /** redis:// or rediss:// URL of the Redis shared by several instances; unset means one instance alone. */
  readonly redisUrl?: string;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  readonly redisKeyPrefix!: string;
  /** The DATA_DIR file the signing secret comes from when JWT_SECRET is unset (a development secret). */
  readonly generatedJwtSecretFile?: string;
  /** Seconds a trusted device token (returned by login) stays valid. */
  readonly deviceTokenTtl!: number;
  /** Seconds a session may go unused before it is dead; undefined means no idle limit. */
  readonly refreshIdleTtl?: number;
  /** Whether every refresh returns a new refresh token and retires the one presented. */
  readonly refreshRotation!: boolean;
  /** Seconds a retired refresh token still answers with its successor (retries); after it, reuse is theft. */
  readonly refreshReuseGraceSeconds!: number;
  /** Whether the audit trail records events (off only to measure its cost). */
  readonly auditEnabled!: boolean;
  /** Days audit events are kept. */
  readonly auditRetentionDays!: number;
  /** Seconds an @Idempotent() route's answer is kept for replay, unless the route sets its own. */
  readonly idempotencyTtl!: number;
  /** Seconds a request holds its Idempotency-Key while it runs, at most (a crashed instance's keys free themselves). */
  readonly idempotencyInFlightSeconds!: number;
  /** Whether `GET /openapi.json` and the Swagger UI at `/docs` are served. */
  readonly openApi!: boolean;
  /** The issuer an authenticator app shows for this service's TOTP entries (otpauth URI). */
  readonly mfaIssuer!: string;
  /**
   * Users of this permission tier (1-4) and above must enrol a second factor
   * before they may use anything else; undefined: no requirement. A number,
   * not common/'s Tier: config/ imports nothing of the application.
   */
  readonly mfaRequiredTier?: number;
  /** Port of the Prometheus listener (`GET /metrics`); undefined: no metrics at all. */
  readonly metricsPort?: number;
  /** Address the Prometheus listener binds to. */
  readonly metricsHost!: string;

  /**
   * `server`, or `cli` for the operator CLI, a short-lived process that only
   * writes: it skips the start-up load of the revocation state and the
   * background sync.
   */
  readonly role!: 'server' | 'cli';

  constructor(values: Omit<AppConfig, 'isProduction'>) {
    Object.assign(this, values);
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}
