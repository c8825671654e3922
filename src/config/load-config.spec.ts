import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  loadConfig,
  parseDatabaseUrl,
  parseTrustProxy,
} from './load-config';

const SECRET = 'x'.repeat(32);

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
      deviceTokenTtl: 7_776_000,
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
  ])('refuses %j naming the variable', (env, message) => {
    expect(errorOf(env)).toMatch(message);
  });

  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /^JWT_SECRET is required when NODE_ENV=production/,
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
