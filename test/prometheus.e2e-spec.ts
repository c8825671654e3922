import { readFileSync } from 'node:fs';
import { DRIVERS, TestDatabase } from './support/databases';
import {
  DASHBOARD_FILE,
  PrometheusServer,
  promtool,
  samplesOf,
  scrape,
  valueOf,
} from './support/prometheus';
import { RedisServer } from './support/redis-server';
import { freePort, ServerProcess } from './support/server-process';
import { ADMIN, waitFor } from './support/test-app';

/**
 * Two instances as real processes on one database and a private Redis, each
 * with its metrics listener, scraped every second by a real Prometheus
 * (Debian's package) that also loads the operators' rules file. The test
 * asks Prometheus, not the instances, so it checks what an operator sees.
 * With no `prometheus` on the machine it fails: CI installs it.
 */
jest.setTimeout(180_000);

interface Instance {
  server: ServerProcess;
  metricsPort: number;
  target: string;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const metricsPort = await freePort();
  const server = await ServerProcess.start({
    ...env,
    METRICS_PORT: String(metricsPort),
  });
  return { server, metricsPort, target: `127.0.0.1:${metricsPort}` };
}

describe.each(DRIVERS)(
  'Prometheus scraping two instances on $name',
  (driver) => {
    let db: TestDatabase;
    let redis: RedisServer;
    let a: Instance;
    let b: Instance;
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      db = await driver.create();
      redis = await RedisServer.start();
      const env = {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        // Once a minute: a revocation that crosses within seconds went through Redis.
        REVOCATION_SYNC_MS: '60000',
      };
      // The first one migrates and creates the admin; the second joins.
      a = await startInstance(env);
      b = await startInstance(env);
      prometheus = await PrometheusServer.start([a.target, b.target]);
    });

    afterAll(async () => {
      await prometheus?.stop();
      await Promise.all([a?.server.kill(), b?.server.kill()]);
      await redis?.kill();
      await db?.drop();
    });

    it('counts logins by outcome and times a cross-instance logout, as Prometheus sees them', async () => {
      const admin = await a.server.post('/auth/login', ADMIN);
      expect(admin.status).toBe(200);
      const created = await a.server.post(
        '/admin/users',
        {
          username: 'scraped-trader',
          password: 'scraped-password-1',
          permission_tier: 2,
        },
        admin.body.access_token,
      );
      expect(created.status).toBe(201);
      for (let i = 0; i < 3; i++) {
        const wrong = await a.server.post('/auth/login', {
          username: 'scraped-trader',
          password: `wrong-password-${i}`,
        });
        expect(wrong.status).toBe(401);
        expect(wrong.body.code).toBe('invalid_credentials');
      }
      const onB = await b.server.post('/auth/login', {
        username: 'scraped-trader',
        password: 'scraped-password-1',
      });
      expect(onB.status).toBe(200);
      // B knows the token; A ends its session.
      expect(
        (await b.server.get('/auth/me', onB.body.access_token)).status,
      ).toBe(200);
      expect(
        (await a.server.post('/auth/logout', undefined, onB.body.access_token))
          .status,
      ).toBe(204);
      await waitFor(
        async () =>
          (await b.server.get('/auth/me', onB.body.access_token)).status ===
          401,
        10_000,
        20,
      );

      // What Prometheus has stored, once a scrape of each instance after
      // its last request has landed (the two are scraped at different moments):
      // A's after the logout, B's after it applied the logout.
      const logins = (outcome: string, target: string) =>
        prometheus.scalar(
          `trading_auth_logins_total{outcome="${outcome}",instance="${target}"}`,
        );
      await waitFor(
        async () =>
          (await prometheus.scalar(
            `trading_auth_logouts_total{instance="${a.target}"}`,
          )) === 1 &&
          (await prometheus.scalar(
            `trading_auth_revocation_delay_seconds_count{instance="${b.target}"}`,
          )) === 1,
        30_000,
        250,
      );
      expect(await logins('invalid_credentials', a.target)).toBe(3);
      expect(await logins('success', a.target)).toBe(1);
      expect(await logins('invalid_credentials', b.target)).toBe(0);
      expect(
        await prometheus.scalar(
          'sum(trading_auth_logins_total{outcome="invalid_credentials"})',
        ),
      ).toBe(3);
      // The logout's two revocations (the token and its session): applied by
      // A itself and reaching B through Redis, timed once (one message).
      expect(
        await prometheus.scalar(
          `trading_auth_logouts_total{instance="${a.target}"}`,
        ),
      ).toBe(1);
      expect(
        await prometheus.scalar(
          `trading_auth_revocations_applied_total{origin="local",instance="${a.target}"}`,
        ),
      ).toBe(2);
      expect(
        await prometheus.scalar(
          `trading_auth_revocations_applied_total{origin="pubsub",instance="${b.target}"}`,
        ),
      ).toBe(2);
      expect(
        await prometheus.scalar(
          `trading_auth_revocation_delay_seconds_count{instance="${a.target}"}`,
        ),
      ).toBe(0);
      const delaySum = await prometheus.scalar(
        `trading_auth_revocation_delay_seconds_sum{instance="${b.target}"}`,
      );
      expect(delaySum).toBeGreaterThanOrEqual(0);
      // The observation sits in some bucket below +Inf, and +Inf holds all of them.
      expect(
        await prometheus.scalar(
          `trading_auth_revocation_delay_seconds_bucket{instance="${b.target}",le="+Inf"}`,
        ),
      ).toBe(1);
      expect(
        await prometheus.scalar(
          `trading_auth_revocation_delay_seconds_bucket{instance="${b.target}",le=~"5|5.0"}`,
        ),
      ).toBe(1);

      // Both instances up, ready, with Redis.
      const up = await prometheus.query('up{job="trading-auth"}');
      expect(up.map((r) => r.value)).toEqual([1, 1]);
      expect(await prometheus.scalar('min(trading_auth_ready)')).toBe(1);
      expect(await prometheus.scalar('max(trading_auth_redis_fallback)')).toBe(
        0,
      );
      expect(await prometheus.scalar('min(trading_auth_database_up)')).toBe(1);
    });

    it('loads and evaluates every rule of docs/operations/prometheus-rules.yml without an error', async () => {
      await waitFor(
        async () =>
          (await prometheus.rules())
            .flatMap((group) => group.rules)
            .every((rule) => rule.health === 'ok'),
        30_000,
        250,
      );
      const groups = await prometheus.rules();
      expect(groups.map((group) => group.name).sort()).toEqual([
        'trading-auth-alerts',
        'trading-auth-recording',
      ]);
      expect(groups.flatMap((group) => group.rules)).toHaveLength(10);
      for (const rule of groups.flatMap((group) => group.rules))
        expect({ rule: rule.name, lastError: rule.lastError ?? '' }).toEqual({
          rule: rule.name,
          lastError: '',
        });
      // Nothing is wrong with these two instances, so nothing fires.
      expect(await prometheus.query('ALERTS{alertstate="firing"}')).toEqual([]);
    });

    it('runs every query of docs/operations/grafana-dashboard.json without an error', async () => {
      const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
        panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      };
      const queries = dashboard.panels.flatMap((panel) =>
        panel.targets.map((target) => target.expr),
      );
      expect(queries.length).toBeGreaterThan(10);
      for (const expr of queries)
        // Grafana's $__rate_interval, as it would substitute it.
        await prometheus.query(expr.replaceAll('$__rate_interval', '1m'));
      // A panel with data already: logins went through both instances (a
      // rate needs two scrapes of the series, so wait for a second one).
      await waitFor(
        async () =>
          (
            await prometheus.query(
              'sum by (outcome) (increase(trading_auth_logins_total[5m]))',
            )
          ).length > 0,
        30_000,
        250,
      );
    });

    it('serves a scrape that `promtool check metrics` accepts, on the metrics port only', async () => {
      const scraped = await scrape(`http://${a.target}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const checked = await promtool(['check', 'metrics'], scraped.text);
      expect(checked).toEqual({ code: 0, output: '' });
      const samples = samplesOf(scraped.text);
      expect(
        valueOf(samples, 'trading_auth_nodejs_eventloop_lag_p99_seconds'),
      ).toBeGreaterThanOrEqual(0);
      // Not on the API's port.
      expect((await a.server.get('/metrics')).status).toBe(404);
    });
  },
);
