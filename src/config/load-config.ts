import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { AppConfig, DatabaseConfig, TrustProxy } from './app-config';
import { secretWeakness } from './secret-strength';

/** A setting that cannot be used; its message is the one line start-up prints. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const MIN_SECRET_LENGTH = 32;
const SECRET_FILE = 'jwt-secret';
const DATA_KEY_FILE = 'data-encryption-key';
const DATA_KEY_BYTES = 32;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || +value < min || +value > max) {
    throw new ConfigError(
      `${name} must be an integer from ${min} to ${max}, got "${value}"`,
    );
  }
  return +value;
}

/** An integer setting whose absence means the feature is off. */
function optionalInteger(
  env: Env,
  name: string,
  min: number,
  max: number,
): number | undefined {
  return raw(env, name) === undefined
    ? undefined
    : integer(env, name, 0, min, max);
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name) ?? fallback;
  if (!allowed.includes(value as T)) {
    throw new ConfigError(
      `${name} must be one of ${allowed.join(', ')}, got "${value}"`,
    );
  }
  return value as T;
}

/**
 * `sqlite:<path>`, `sqlite::memory:` or `mysql://user:pass@host:port/db`;
 * unset means the embedded default file in the data folder.
 */
export function parseDatabaseUrl(
  value: string | undefined,
  dataDir: string,
): DatabaseConfig {
  if (value === undefined) {
    return { type: 'sqlite', path: join(dataDir, 'auth.sqlite') };
  }
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (path === '') {
      throw new ConfigError(
        'DATABASE_URL sqlite: needs a file path (sqlite:./data/auth.sqlite) or sqlite::memory:',
      );
    }
    return { type: 'sqlite', path };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'DATABASE_URL must be mysql://user:pass@host:port/db or sqlite:<path>; it is not a URL',
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (
    (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') ||
    !url.hostname ||
    !database
  ) {
    throw new ConfigError(
      'DATABASE_URL must be mysql://user:pass@host:port/db or sqlite:<path>',
    );
  }
  return {
    type: 'mysql',
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    username: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
  };
}

/** TRUST_PROXY: off (default), a hop count, or a comma list of proxy addresses/CIDRs. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || /^(off|false|0|no)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    if (!isIP(address) || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new ConfigError(
        `TRUST_PROXY must be off, a hop count or a comma list of proxy addresses/CIDRs, got "${entry}"`,
      );
    }
  }
  return entries;
}

/** WS_ALLOWED_ORIGINS: comma list of `scheme://host[:port]` origins; unset means any. */
export function parseOrigins(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== origin.toLowerCase().replace(/\/$/, '')) {
      throw new ConfigError(
        `WS_ALLOWED_ORIGINS must be a comma list of origins such as https://app.example.com, got "${origin}"`,
      );
    }
  }
  return origins.map((origin) => new URL(origin).origin);
}

/** REDIS_URL: `redis://[user:pass@]host:port/db` or `rediss://` (TLS); unset means no Redis. */
export function parseRedisUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'REDIS_URL must be redis://[user:pass@]host:port/db or rediss://...; it is not a URL',
    );
  }
  if (
    (url.protocol !== 'redis:' && url.protocol !== 'rediss:') ||
    !url.hostname
  ) {
    throw new ConfigError(
      'REDIS_URL must be redis://[user:pass@]host:port/db or rediss://...',
    );
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    throw new ConfigError(
      `REDIS_URL database must be a number, got "${decodeURIComponent(db)}"`,
    );
  }
  return value;
}

/**
 * Without JWT_SECRET outside production, a random secret is made once and
 * kept in the data folder, so tokens survive a restart of a dev server.
 * Whichever it is, the key must be usable: an empty or guessable HMAC key lets
 * anyone sign an admin token.
 */
function jwtSecret(
  env: Env,
  production: boolean,
  dataDir: string,
): { secret: string; file?: string } {
  const configured = raw(env, 'JWT_SECRET');
  if (configured !== undefined) {
    if (configured.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters long (it has ${configured.length})`,
      );
    }
    const weakness = secretWeakness(configured);
    if (weakness !== undefined) {
      throw new ConfigError(
        `JWT_SECRET is not random: ${weakness}; generate one with \`openssl rand -base64 48\``,
      );
    }
    return { secret: configured };
  }
  if (production) {
    throw new ConfigError(
      'JWT_SECRET is required when NODE_ENV=production (at least 32 random characters, e.g. `openssl rand -base64 48`)',
    );
  }
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `${file} must hold at least ${MIN_SECRET_LENGTH} bytes of key material (it has ${bytes}); delete it to have a new one generated, or set JWT_SECRET`,
      );
    }
    const weakness = secretWeakness(secret);
    if (weakness !== undefined) {
      throw new ConfigError(
        `${file} is not random: ${weakness}; delete it to have a new one generated, or set JWT_SECRET`,
      );
    }
    return { secret, file };
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return { secret, file };
}

/** The server secret when JWT_SECRET is unset under ES256/EdDSA in production. */
function derivedServerSecret(dataKey: Buffer): string {
  return Buffer.from(
    hkdfSync(
      'sha256',
      dataKey,
      Buffer.alloc(0),
      'trading-auth/server-secret',
      48,
    ),
  ).toString('base64url');
}

/** 32 bytes in base64 (or base64url), or a ConfigError naming `name`. */
function dataKeyBytes(value: string, name: string): Buffer {
  const text = value.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
    ? Buffer.from(text, 'base64')
    : Buffer.alloc(0);
  if (bytes.length !== DATA_KEY_BYTES) {
    throw new ConfigError(
      `${name} must be ${DATA_KEY_BYTES} random bytes in base64 (\`openssl rand -base64 32\`)` +
        (bytes.length > 0 ? `, got ${bytes.length} bytes` : ''),
    );
  }
  const weakness = secretWeakness(bytes.toString('hex'));
  if (weakness !== undefined) {
    throw new ConfigError(
      `${name} is not random: ${weakness}; generate one with \`openssl rand -base64 32\``,
    );
  }
  return bytes;
}

/**
 * The key that seals secrets at rest (TOTP seeds, private signing keys).
 * Without DATA_ENCRYPTION_KEY outside production, one is made once and kept
 * in the data folder, as the development JWT secret is; production must set
 * it, since a key beside the database it protects protects nothing.
 */
function dataEncryptionKey(
  env: Env,
  production: boolean,
  dataDir: string,
): { key: Buffer; file?: string } {
  const configured = raw(env, 'DATA_ENCRYPTION_KEY');
  if (configured !== undefined) {
    return { key: dataKeyBytes(configured, 'DATA_ENCRYPTION_KEY') };
  }
  if (production) {
    throw new ConfigError(
      'DATA_ENCRYPTION_KEY is required when NODE_ENV=production (32 random bytes in base64, e.g. `openssl rand -base64 32`)',
    );
  }
  const file = join(dataDir, DATA_KEY_FILE);
  if (existsSync(file)) {
    return {
      key: dataKeyBytes(
        readFileSync(file, 'utf8'),
        `${file} (delete it to have a new one generated, or set DATA_ENCRYPTION_KEY)`,
      ),
      file,
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(DATA_KEY_BYTES);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return { key, file };
}

/**
 * The issuer of the otpauth URI: authenticator apps show it, and it goes in
 * the label before a colon, so it may not hold one; 64 characters is more
 * than any app displays.
 */
function mfaIssuer(value: string | undefined): string {
  const issuer = value ?? 'trading-auth';
  if (issuer.length > 64 || issuer.includes(':')) {
    throw new ConfigError(
      `MFA_ISSUER must be at most 64 characters without a colon, got "${issuer}"`,
    );
  }
  return issuer;
}

/** Reads and validates every setting; throws ConfigError naming the first bad one. */
export function loadConfig(
  env: Env = process.env,
  role: AppConfig['role'] = 'server',
): AppConfig {
  const nodeEnv = oneOf(
    env,
    'NODE_ENV',
    ['development', 'production', 'test'],
    'development',
  );
  const production = nodeEnv === 'production';
  const dataDirSetting = raw(env, 'DATA_DIR') ?? './data';
  const dataDir = isAbsolute(dataDirSetting)
    ? dataDirSetting
    : resolve(dataDirSetting);
  const cores = availableParallelism();
  const adminUser = raw(env, 'BOOTSTRAP_ADMIN_USERNAME');
  const adminPassword = env.BOOTSTRAP_ADMIN_PASSWORD || undefined;
  if ((adminUser === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(
      'BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD must be set together',
    );
  }

  const jwtAlgorithm = oneOf(
    env,
    'JWT_ALGORITHM',
    ['ES256', 'EdDSA', 'HS256'],
    'ES256',
  );
  const dataKey = dataEncryptionKey(env, production, dataDir);
  // Under ES256/EdDSA the secret only roots the ticket and rotation MACs:
  // production may leave JWT_SECRET unset and have it derived from
  // DATA_ENCRYPTION_KEY, which it must set anyway.
  const signing =
    production &&
    jwtAlgorithm !== 'HS256' &&
    raw(env, 'JWT_SECRET') === undefined
      ? { secret: derivedServerSecret(dataKey.key) }
      : jwtSecret(env, production, dataDir);
  const previousDataKey = raw(env, 'DATA_ENCRYPTION_KEY_PREVIOUS');

  return new AppConfig({
    role,
    nodeEnv,
    host: raw(env, 'HOST') ?? '0.0.0.0',
    port: integer(env, 'PORT', 3000, 0, 65535),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    dataDir,
    database: parseDatabaseUrl(raw(env, 'DATABASE_URL'), dataDir),
    migrationLockTimeoutSeconds: integer(
      env,
      'MIGRATION_LOCK_TIMEOUT',
      60,
      1,
      3600,
    ),
    jwtSecret: signing.secret,
    jwtAlgorithm,
    jwksMaxAge: integer(env, 'JWKS_MAX_AGE', 600, 1, 86_400),
    jwtKeyRotationDays: integer(env, 'JWT_KEY_ROTATION_DAYS', 30, 1, 3650),
    dataEncryptionKey: dataKey.key,
    dataEncryptionKeyPrevious:
      previousDataKey === undefined
        ? undefined
        : dataKeyBytes(previousDataKey, 'DATA_ENCRYPTION_KEY_PREVIOUS'),
    generatedDataEncryptionKeyFile: dataKey.file,
    jwtIssuer: raw(env, 'JWT_ISSUER') ?? 'trading-auth',
    jwtAudience: raw(env, 'JWT_AUDIENCE') ?? 'trading-api',
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', 900, 1, 86_400),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL', 604_800, 60, 31_536_000),
    bootstrapAdminUsername: adminUser,
    bootstrapAdminPassword: adminPassword,
    rateLimitWindowSeconds: integer(
      env,
      'RATE_LIMIT_WINDOW_SECONDS',
      60,
      1,
      86_400,
    ),
    rateLimitIpMax: integer(env, 'RATE_LIMIT_IP_MAX', 300, 1),
    rateLimitUserMax: integer(env, 'RATE_LIMIT_USER_MAX', 120, 1),
    rateLimitLoginMax: integer(env, 'RATE_LIMIT_LOGIN_MAX', 10, 1),
    rateLimitApiKeyFailuresMax: integer(
      env,
      'RATE_LIMIT_API_KEY_FAILURES_MAX',
      30,
      1,
    ),
    // At least 1: a /0 entry pins a key to nothing, which is what this refuses.
    apiKeyAllowlistMinPrefixV4: integer(
      env,
      'API_KEY_ALLOWLIST_MIN_PREFIX_V4',
      8,
      1,
      32,
    ),
    apiKeyAllowlistMinPrefixV6: integer(
      env,
      'API_KEY_ALLOWLIST_MIN_PREFIX_V6',
      32,
      1,
      128,
    ),
    // MAX_EXPIRES_IN_DAYS (3650) is the longest any key may live.
    apiKeyUnpinnedMaxDays: integer(
      env,
      'API_KEY_UNPINNED_MAX_DAYS',
      90,
      1,
      3650,
    ),
    trustProxy: parseTrustProxy(raw(env, 'TRUST_PROXY')),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16_384, 1024, 1_048_576),
    passwordHashConcurrency: integer(
      env,
      'PASSWORD_HASH_CONCURRENCY',
      Math.max(1, cores - 1),
      1,
      64,
    ),
    passwordHashQueue: integer(env, 'PASSWORD_HASH_QUEUE', 64, 0, 100_000),
    revocationSyncMs: integer(env, 'REVOCATION_SYNC_MS', 500, 50, 60_000),
    blocklistPurgeSeconds: integer(
      env,
      'BLOCKLIST_PURGE_SECONDS',
      300,
      1,
      86_400,
    ),
    wsMaxSocketsPerUser: integer(
      env,
      'WS_MAX_SOCKETS_PER_USER',
      20,
      1,
      100_000,
    ),
    wsMaxSockets: integer(env, 'WS_MAX_SOCKETS', 50_000, 1, 1_000_000),
    wsHeartbeatSeconds: integer(env, 'WS_HEARTBEAT_SECONDS', 30, 1, 3600),
    wsMaxMessagesPerSecond: integer(
      env,
      'WS_MAX_MESSAGES_PER_SECOND',
      50,
      1,
      100_000,
    ),
    wsAllowedOrigins: parseOrigins(raw(env, 'WS_ALLOWED_ORIGINS')),
    redisUrl: parseRedisUrl(raw(env, 'REDIS_URL')),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'auth:',
    generatedJwtSecretFile: 'file' in signing ? signing.file : undefined,
    deviceTokenTtl: integer(env, 'DEVICE_TOKEN_TTL', 7_776_000, 60, 31_536_000),
    refreshIdleTtl: optionalInteger(env, 'REFRESH_IDLE_TTL', 60, 31_536_000),
    refreshRotation:
      oneOf(env, 'REFRESH_ROTATION', ['off', 'on'], 'off') === 'on',
    refreshReuseGraceSeconds: integer(
      env,
      'REFRESH_REUSE_GRACE_SECONDS',
      30,
      0,
      3600,
    ),
    auditEnabled: oneOf(env, 'AUDIT', ['on', 'off'], 'on') === 'on',
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 90, 1, 36_500),
    idempotencyTtl: integer(env, 'IDEMPOTENCY_TTL', 86_400, 1, 2_592_000),
    idempotencyInFlightSeconds: integer(
      env,
      'IDEMPOTENCY_IN_FLIGHT_SECONDS',
      60,
      1,
      3600,
    ),
    openApi: oneOf(env, 'OPENAPI', ['on', 'off'], 'on') === 'on',
    mfaIssuer: mfaIssuer(raw(env, 'MFA_ISSUER')),
    mfaRequiredTier: optionalInteger(env, 'MFA_REQUIRED_TIER', 1, 4),
    ...metricsListener(env),
  });
}

/**
 * METRICS_PORT / METRICS_HOST: the Prometheus listener, apart from the API
 * (auth counters are reconnaissance for an attacker); unset port: off.
 */
function metricsListener(
  env: Env,
): Pick<AppConfig, 'metricsPort' | 'metricsHost'> {
  const metricsPort = optionalInteger(env, 'METRICS_PORT', 1, 65535);
  if (
    metricsPort !== undefined &&
    metricsPort === integer(env, 'PORT', 3000, 0, 65535)
  )
    throw new ConfigError(
      `METRICS_PORT must differ from PORT (${metricsPort}): metrics are never served on the API port`,
    );
  return { metricsPort, metricsHost: raw(env, 'METRICS_HOST') ?? '127.0.0.1' };
}

/** Loads ./.env (when present) under the real environment, which wins. */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
