import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { Driver, TestDatabase } from './databases';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-0123456789';
/**
 * The suites forge HS256 tokens with TEST_JWT_SECRET as their independent
 * signer, so the test app signs HS256 unless TEST_JWT_ALGORITHM says
 * otherwise (ES256 and EdDSA have suites of their own: jwks*.e2e-spec.ts).
 */
export const TEST_JWT_ALGORITHM = process.env.TEST_JWT_ALGORITHM ?? 'HS256';
export const ADMIN = { username: 'root-admin', password: 'admin-password-1' };

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as Authorization: Bearer <token>. */
  token?: string;
  headers?: Record<string, string>;
  /** Raw body, sent as is (with its own content-type header). */
  raw?: string;
}

/** The real application, listening on an ephemeral port, driven over HTTP. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    readonly url: string,
    /** The database it runs on (for a second instance on the same one). */
    readonly db: TestDatabase,
  ) {}

  /** Starts the application on `db` with the test defaults overridden by `env`. */
  static async start(
    db: TestDatabase,
    env: Record<string, string> = {},
    features: Type[] = [],
  ): Promise<TestApp> {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_ALGORITHM: TEST_JWT_ALGORITHM,
      DATABASE_URL: db.url,
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_IP_MAX: '100000',
      RATE_LIMIT_USER_MAX: '100000',
      RATE_LIMIT_LOGIN_MAX: '100000',
      ...env,
    });
    const app = await createApp(config, features);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    return new TestApp(app, config, `http://127.0.0.1:${address.port}`, db);
  }

  get wsUrl(): string {
    return this.url.replace('http', 'ws');
  }

  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    }
    if (options.token !== undefined)
      headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      body: parsed as T,
      text,
      headers: response.headers,
    };
  }

  post<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }

  get<T = any>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }

  async login(username: string, password: string): Promise<LoginBody> {
    const response = await this.post<LoginBody>('/auth/login', {
      username,
      password,
    });
    if (response.status !== 200)
      throw new Error(
        `login of ${username} failed: ${response.status} ${response.text}`,
      );
    return response.body;
  }

  async adminToken(): Promise<string> {
    return (await this.login(ADMIN.username, ADMIN.password)).access_token;
  }

  /** Creates a user through the admin API and logs them in. */
  async createUser(
    username: string,
    tier: number,
    password = 'password-of-' + username,
  ): Promise<LoginBody & { id: number }> {
    const created = await this.post(
      '/admin/users',
      { username, password, permission_tier: tier },
      await this.adminToken(),
    );
    if (created.status !== 201)
      throw new Error(
        `creating ${username} failed: ${created.status} ${created.text}`,
      );
    return { ...(await this.login(username, password)), id: created.body.id };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

export interface LoginBody {
  access_token: string;
  refresh_token: string;
  access_expires_at: number;
  permission_tier: number;
}

export const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns the time it took. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 25,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
  return Date.now() - started;
}

/**
 * The prologue of a suite that shares one application: a fresh `driver`
 * database and the app on it (test defaults, then `env`, plus `features`)
 * before the suite's tests, both gone after them. Call it in the describe
 * block; the TestApp it returns forwards to the started app, so use it in
 * hooks and tests only.
 *
 * @example
 * describe.each(DRIVERS)('sessions on $name', (driver) => {
 *   const api = useTestApp(driver, { REFRESH_ROTATION: 'on' });
 *   it('…', async () => expect((await api.get('/health')).status).toBe(200));
 * });
 */
export function useTestApp(
  driver: Driver,
  env: Record<string, string> = {},
  features: Type[] = [],
): TestApp {
  let db: TestDatabase | undefined;
  let started: TestApp | undefined;
  beforeAll(async () => {
    db = await driver.create();
    started = await TestApp.start(db, env, features);
  });
  afterAll(async () => {
    await started?.close();
    await db?.drop();
  });
  return new Proxy({} as TestApp, {
    get(_target, property) {
      if (!started)
        throw new Error(
          'useTestApp: the app starts in beforeAll, use it there or later',
        );
      const value: unknown = Reflect.get(started, property, started);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}

/** One app for one test: started on `db` with `env`, closed however `run` ends. */
export async function withApp(
  db: TestDatabase,
  env: Record<string, string>,
  run: (api: TestApp) => Promise<void>,
): Promise<void> {
  const api = await TestApp.start(db, env);
  try {
    await run(api);
  } finally {
    await api.close();
  }
}
