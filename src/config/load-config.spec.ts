import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  loadConfig,
  parseDatabaseUrl,
  parseTrustProxy,
} from './load-config';

// `openssl rand -base64 48`
const SECRET =
  'YTv9efa1EhK8NxuTwwFFYkk4ofZSGbdeLKpurCWXihIzyt4B7HfZ1/wpEIWB9v7Y';

// `openssl rand -base64 32`
const KEY_A = 'q3Jw0m3sV5nq0a8Zb1cXk2m7yN4tR6uP9eW1fH5jL0o=';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig({ JWT_SECRET: SECRET, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('has the documented defaults', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      DATA_DIR: '/tmp/auth-data',
    });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      accessTokenTtl: 900,
      refreshTokenTtl: 604_800,
      rateLimitWindowSeconds: 60,
      trustProxy: false,
      database: { type: 'sqlite', path: '/tmp/auth-data/auth.sqlite' },
      migrationLockTimeoutSeconds: 60,
      deviceTokenTtl: 7_776_000,
      refreshIdleTtl: undefined,
      refreshRotation: false,
      refreshReuseGraceSeconds: 30,
      auditEnabled: true,
      auditRetentionDays: 90,
      openApi: true,
      idempotencyTtl: 86_400,
      idempotencyInFlightSeconds: 60,
      rateLimitApiKeyFailuresMax: 30,
      apiKeyAllowlistMinPrefixV4: 8,
      apiKeyAllowlistMinPrefixV6: 32,
      mfaIssuer: 'trading-auth',
      mfaRequiredTier: undefined,
    });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ PORT: '70000' }, /^PORT must be an integer from 0 to 65535/],
    [{ ACCESS_TOKEN_TTL: '-5' }, /^ACCESS_TOKEN_TTL/],
    [{ DATABASE_URL: 'postgres://x@y/z' }, /^DATABASE_URL must be mysql:/],
    [
      { DATABASE_URL: 'mysql://host-without-db' },
      /^DATABASE_URL must be mysql:/,
    ],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL/],
    [
      { JWT_SECRET: 'short' },
      /^JWT_SECRET must be at least 32 characters long \(it has 5\)$/,
    ],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV must be one of/],
    [
      { MIGRATION_LOCK_TIMEOUT: '0' },
      /^MIGRATION_LOCK_TIMEOUT must be an integer from 1 to 3600, got "0"$/,
    ],
    [{ TRUST_PROXY: 'proxy.example' }, /^TRUST_PROXY/],
    [
      { BOOTSTRAP_ADMIN_USERNAME: 'root' },
      /^BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD/,
    ],
    [
      { DEVICE_TOKEN_TTL: '10' },
      /^DEVICE_TOKEN_TTL must be an integer from 60/,
    ],
    [{ DEVICE_TOKEN_TTL: '90d' }, /^DEVICE_TOKEN_TTL must be an integer/],
    [{ REFRESH_IDLE_TTL: '5' }, /^REFRESH_IDLE_TTL must be an integer from 60/],
    [{ REFRESH_ROTATION: 'yes' }, /^REFRESH_ROTATION must be one of off, on/],
    [
      { REFRESH_REUSE_GRACE_SECONDS: '-1' },
      /^REFRESH_REUSE_GRACE_SECONDS must be an integer from 0/,
    ],
    [{ AUDIT: 'maybe' }, /^AUDIT must be one of on, off/],
    [{ AUDIT_RETENTION_DAYS: '0' }, /^AUDIT_RETENTION_DAYS must be an integer/],
    [
      { RATE_LIMIT_API_KEY_FAILURES_MAX: '0' },
      /^RATE_LIMIT_API_KEY_FAILURES_MAX must be an integer from 1/,
    ],
    [
      { API_KEY_ALLOWLIST_MIN_PREFIX_V4: '0' },
      /^API_KEY_ALLOWLIST_MIN_PREFIX_V4 must be an integer from 1 to 32, got "0"$/,
    ],
    [
      { API_KEY_ALLOWLIST_MIN_PREFIX_V4: '33' },
      /^API_KEY_ALLOWLIST_MIN_PREFIX_V4 must be an integer from 1 to 32/,
    ],
    [
      { API_KEY_ALLOWLIST_MIN_PREFIX_V6: '129' },
      /^API_KEY_ALLOWLIST_MIN_PREFIX_V6 must be an integer from 1 to 128/,
    ],
    [
      { IDEMPOTENCY_TTL: '0' },
      /^IDEMPOTENCY_TTL must be an integer from 1 to 2592000, got "0"$/,
    ],
    [
      { IDEMPOTENCY_IN_FLIGHT_SECONDS: '1m' },
      /^IDEMPOTENCY_IN_FLIGHT_SECONDS must be an integer from 1 to 3600/,
    ],
    [
      { OPENAPI: 'disabled' },
      /^OPENAPI must be one of on, off, got "disabled"$/,
    ],
    [
      { MFA_REQUIRED_TIER: '5' },
      /^MFA_REQUIRED_TIER must be an integer from 1 to 4, got "5"$/,
    ],
    [{ MFA_REQUIRED_TIER: 'admin' }, /^MFA_REQUIRED_TIER must be an integer/],
    [
      { MFA_ISSUER: 'acme:prod' },
      /^MFA_ISSUER must be at most 64 characters without a colon/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(errorOf(env)).toMatch(message);
  });

  it('reads the API key settings', () => {
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        RATE_LIMIT_API_KEY_FAILURES_MAX: '5',
        API_KEY_ALLOWLIST_MIN_PREFIX_V4: '24',
        API_KEY_ALLOWLIST_MIN_PREFIX_V6: '48',
      }),
    ).toMatchObject({
      rateLimitApiKeyFailuresMax: 5,
      apiKeyAllowlistMinPrefixV4: 24,
      apiKeyAllowlistMinPrefixV6: 48,
    });
  });

  it('reads the second-factor settings', () => {
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        MFA_ISSUER: 'Acme Trading',
        MFA_REQUIRED_TIER: '3',
      }),
    ).toMatchObject({ mfaIssuer: 'Acme Trading', mfaRequiredTier: 3 });
  });

  it('turns the OpenAPI document and Swagger UI off with OPENAPI=off', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, OPENAPI: 'off' }).openApi).toBe(
      false,
    );
  });

  it('refuses to start in production without JWT_SECRET under HS256', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_ALGORITHM: 'HS256',
        DATA_ENCRYPTION_KEY: KEY_A,
      }),
    ).toThrow(/^JWT_SECRET is required when NODE_ENV=production/);
  });

  it('needs DATA_ENCRYPTION_KEY but not JWT_SECRET in production under ES256, the default', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /^DATA_ENCRYPTION_KEY is required when NODE_ENV=production/,
    );
    const config = loadConfig({
      NODE_ENV: 'production',
      DATA_ENCRYPTION_KEY: KEY_A,
    });
    expect(config.jwtAlgorithm).toBe('ES256');
    expect(config.jwksMaxAge).toBe(600);
    expect(config.jwtKeyRotationDays).toBe(30);
    // The ticket and rotation MACs' root, derived and stable.
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(
      loadConfig({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: KEY_A })
        .jwtSecret,
    ).toBe(config.jwtSecret);
  });

  it('refuses an unknown JWT_ALGORITHM', () => {
    expect(() => loadConfig({ JWT_ALGORITHM: 'RS256' })).toThrow(
      /JWT_ALGORITHM/,
    );
  });

  it('makes a development secret once and keeps it in the data folder', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const first = loadConfig({ DATA_DIR: dataDir });
    const second = loadConfig({ DATA_DIR: dataDir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(
      first.jwtSecret,
    );
    expect(first.generatedJwtSecretFile).toBe(join(dataDir, 'jwt-secret'));
    expect(
      loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir })
        .generatedJwtSecretFile,
    ).toBeUndefined();
  });

  it('makes a development data encryption key once, and requires one in production', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const first = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir });
    const second = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir });
    expect(first.dataEncryptionKey).toHaveLength(32);
    expect(second.dataEncryptionKey).toEqual(first.dataEncryptionKey);
    const file = join(dataDir, 'data-encryption-key');
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(
      first.dataEncryptionKey,
    );
    expect(first.generatedDataEncryptionKeyFile).toBe(file);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }),
    ).toThrow(/^DATA_ENCRYPTION_KEY is required when NODE_ENV=production/);
    const key = randomBytes(32);
    const configured = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      DATA_ENCRYPTION_KEY: key.toString('base64'),
      DATA_ENCRYPTION_KEY_PREVIOUS: randomBytes(32).toString('base64url'),
    });
    expect(configured.dataEncryptionKey).toEqual(key);
    expect(configured.dataEncryptionKeyPrevious).toHaveLength(32);
    expect(configured.generatedDataEncryptionKeyFile).toBeUndefined();
  });

  it.each([
    ['16 bytes', Buffer.alloc(16, 9).toString('base64'), /got 16 bytes/],
    ['not base64', 'not base64 at all!', /32 random bytes in base64/],
    ['zeros', Buffer.alloc(32).toString('base64'), /not random/],
  ])('refuses a DATA_ENCRYPTION_KEY of %s', (_name, value, message) => {
    expect(errorOf({ DATA_ENCRYPTION_KEY: value })).toMatch(message);
    expect(errorOf({ DATA_ENCRYPTION_KEY_PREVIOUS: value })).toMatch(
      /^DATA_ENCRYPTION_KEY_PREVIOUS /,
    );
  });

  it.each([
    ['empty', '', /has 0\)/],
    ['short', 'abc123', /at least 32 bytes of key material \(it has 6\)/],
    [
      'a repeated pattern',
      'ab'.repeat(24),
      /not random: it has only 2 distinct/,
    ],
    [
      'a repeated longer pattern',
      '0123456789abcdef'.repeat(3),
      /not random: it repeats a pattern of 16 characters/,
    ],
  ])(
    'refuses a DATA_DIR/jwt-secret file that is %s',
    (_name, content, message) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
      const file = join(dataDir, 'jwt-secret');
      writeFileSync(file, content);
      let error: unknown;
      try {
        loadConfig({ DATA_DIR: dataDir });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.startsWith(file)).toBe(true);
    },
  );

  it.each([
    ['a short pattern repeated', 'ab'.repeat(20), /only 2 distinct characters/],
    [
      'a placeholder',
      'changeme-changeme-changeme-changeme',
      /distinct|repeats/,
    ],
    ['one character', 'x'.repeat(40), /only 1 distinct character/],
    [
      'ten characters repeated',
      '0123456789'.repeat(4),
      /repeats a pattern of 10 characters/,
    ],
  ])('refuses a JWT_SECRET that is %s', (_name, secret, message) => {
    expect(errorOf({ JWT_SECRET: secret })).toMatch(
      /^JWT_SECRET is not random: /,
    );
    expect(errorOf({ JWT_SECRET: secret })).toMatch(message);
  });

  it('accepts real `openssl rand -hex 32` and `openssl rand -base64 48` secrets', () => {
    const seen = [
      // Captured from openssl on the development machine.
      '570830d63730e98f86d5a84eb37335fff58528dddbcb1592c5bb73d8f88effee',
      SECRET,
    ];
    // The same shapes from the same source of randomness, many times over.
    for (let i = 0; i < 2000; i++) {
      seen.push(randomBytes(32).toString('hex'));
      seen.push(randomBytes(48).toString('base64'));
    }
    for (const secret of seen) {
      expect(loadConfig({ JWT_SECRET: secret }).jwtSecret).toBe(secret);
    }
  });
  it('turns metrics on with METRICS_PORT, on loopback unless METRICS_HOST says otherwise, never on the API port', () => {
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
    });
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        METRICS_PORT: '9464',
        METRICS_HOST: '0.0.0.0',
      }),
    ).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(errorOf({ METRICS_PORT: '0' })).toBe(
      'METRICS_PORT must be an integer from 1 to 65535, got "0"',
    );
    expect(errorOf({ METRICS_PORT: '3000' })).toMatch(
      /^METRICS_PORT must differ from PORT/,
    );
  });
});

describe(parseDatabaseUrl.name, () => {
  it('reads a MySQL URL', () => {
    expect(
      parseDatabaseUrl('mysql://app:p%40ss@db.local:3307/auth', '/d'),
    ).toEqual({
      type: 'mysql',
      host: 'db.local',
      port: 3307,
      username: 'app',
      password: 'p@ss',
      database: 'auth',
    });
  });

  it('reads SQLite paths and the in-memory database', () => {
    expect(parseDatabaseUrl('sqlite:./x.sqlite', '/d')).toEqual({
      type: 'sqlite',
      path: './x.sqlite',
    });
    expect(parseDatabaseUrl('sqlite::memory:', '/d')).toEqual({
      type: 'sqlite',
      path: ':memory:',
    });
  });
});

describe(parseTrustProxy.name, () => {
  it('reads off, hop counts and address lists', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('off')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16')).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
    ]);
  });
});
