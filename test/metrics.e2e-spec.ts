import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { Metrics } from '../src/metrics/metrics';
import { DRIVERS, TestDatabase } from './support/databases';
import { contentType, query, rawBody } from './support/hostile-input';
import { promtool, samplesOf, scrape, valueOf } from './support/prometheus';
import { freePort } from './support/server-process';
import { TestApp, useTestApp, waitFor, withApp } from './support/test-app';
import { WsClient } from './support/ws-client';

/**
 * The metrics listener and the orchestrator probes, on the real app: what
 * a scrape holds after real requests, that it stays bounded and free of
 * anything a client sent after a burst of hostile input, and that
 * /health/ready follows the database while /health/live does not.
 */
jest.setTimeout(120_000);

/**
 * At most this many samples in one scrape after the burst below. prom-client's
 * process metrics are about 110; each route, method and status class seen
 * adds 14 (a histogram's 12 buckets, sum and count): the burst gave 222 on
 * 2026-12-06. A label per URL, username or token would add at least one
 * sample per request, 300 of them.
 */
const SERIES_BOUND = 600;

async function withMetricsApp(
  db: TestDatabase,
  env: Record<string, string>,
  run: (api: TestApp, metricsUrl: string) => Promise<void>,
): Promise<void> {
  const port = await freePort();
  await withApp(db, { ...env, METRICS_PORT: String(port) }, (api) =>
    run(api, `http://127.0.0.1:${port}/metrics`),
  );
}

describe.each(DRIVERS)('metrics and probes on $name', (driver) => {
  describe('with METRICS_PORT unset', () => {
    const api = useTestApp(driver);

    it('has no metrics anywhere: the no-op recorder, and /metrics is 404 on the API port', async () => {
      expect(api.app.get(Metrics).enabled).toBe(false);
      const response = await api.get('/metrics');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        error: expect.any(String),
        code: 'not_found',
      });
    });

    it('answers /health/live and /health/ready with 200, and /health as before', async () => {
      const live = await api.get('/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
      // /health is unchanged.
      expect((await api.get('/health')).body).toEqual({ status: 'ok' });
    });
  });

  describe('with METRICS_PORT set', () => {
    let db: TestDatabase;
    beforeAll(async () => (db = await driver.create()));
    afterAll(() => db.drop());

    it('counts logins, refreshes, logouts, 429s by budget and sockets; routes by template; nothing on the API port', async () => {
      await withMetricsApp(
        db,
        { RATE_LIMIT_LOGIN_MAX: '2', RATE_LIMIT_API_KEY_FAILURES_MAX: '2' },
        async (api, url) => {
          const user = await api.createUser('metered-user', 2);
          const admin = await api.adminToken();
          const wrong = [];
          for (let i = 0; i < 4; i++)
            wrong.push(
              (
                await api.post('/auth/login', {
                  username: 'metered-user',
                  password: `wrong-${i}-password`,
                })
              ).status,
            );
          // Two failures allowed from the address (RATE_LIMIT_LOGIN_MAX), then its budget refuses.
          expect(wrong).toEqual([401, 401, 429, 429]);
          const keyed = [];
          for (let i = 0; i < 3; i++)
            keyed.push(
              (
                await api.request('GET', '/auth/me', {
                  headers: { 'x-api-key': 'tak_not-a-key' },
                })
              ).status,
            );
          expect(keyed).toEqual([401, 401, 429]);
          const refreshed = await api.post('/auth/refresh', {
            refresh_token: user.refresh_token,
          });
          expect(refreshed.status).toBe(200);
          const badRefresh = await api.post('/auth/refresh', {
            refresh_token: 'not-a-token',
          });
          expect(badRefresh.status).toBe(401);
          const socket = await WsClient.open(api.wsUrl, user.access_token);
          const scrapeOpen = samplesOf((await scrape(url)).text);
          expect(
            valueOf(scrapeOpen, 'trading_auth_websocket_open_sockets'),
          ).toBe(1);
          socket.socket.close(1000, 'done');
          await socket.closed;
          expect(
            (await api.post('/auth/logout', undefined, user.access_token))
              .status,
          ).toBe(204);
          expect(
            (await api.get(`/admin/users/${user.id}/sessions`, admin)).status,
          ).toBe(200);
          expect((await api.get('/metrics')).status).toBe(404);

          await waitFor(
            async () =>
              valueOf(
                samplesOf((await scrape(url)).text),
                'trading_auth_websocket_closes_total',
                {
                  code: '1000',
                },
              ) === 1,
            5_000,
          );
          const scraped = await scrape(url);
          expect(scraped.status).toBe(200);
          expect(await promtool(['check', 'metrics'], scraped.text)).toEqual({
            code: 0,
            output: '',
          });
          const samples = samplesOf(scraped.text);
          const value = (name: string, labels: Record<string, string> = {}) =>
            valueOf(samples, `trading_auth_${name}`, labels);
          // The admin's logins (createUser, adminToken) and the user's.
          expect(value('logins_total', { outcome: 'success' })).toBe(3);
          expect(
            value('logins_total', { outcome: 'invalid_credentials' }),
          ).toBe(2);
          expect(value('logins_total', { outcome: 'rate_limited' })).toBe(2);
          expect(
            value('rate_limit_rejections_total', { budget: 'login-ip' }),
          ).toBe(2);
          expect(
            value('rate_limit_rejections_total', { budget: 'api-key-ip' }),
          ).toBe(1);
          expect(value('refreshes_total', { outcome: 'success' })).toBe(1);
          expect(value('refreshes_total', { outcome: 'invalid' })).toBe(1);
          expect(value('logouts_total')).toBe(1);
          expect(value('revocations_applied_total', { origin: 'local' })).toBe(
            2,
          );
          expect(value('websocket_open_sockets')).toBe(0);
          expect(value('blocklisted_jtis')).toBe(1);
          expect(value('ready')).toBe(1);
          expect(value('database_up')).toBe(1);
          expect(value('redis_fallback')).toBe(0);
          expect(value('hash_wait_seconds_count')).toBeGreaterThanOrEqual(7);
          // By template, never the raw URL; the 404 of /metrics as `unmatched`.
          expect(
            value('http_request_duration_seconds_count', {
              route: '/admin/users/:id/sessions',
              method: 'GET',
              status_class: '2xx',
            }),
          ).toBe(1);
          expect(
            value('http_request_duration_seconds_count', {
              route: 'unmatched',
              method: 'GET',
              status_class: '4xx',
            }),
          ).toBe(1);
          expect(scraped.text).not.toContain(`/admin/users/${user.id}/`);
        },
      );
    });

    it('stays bounded after a burst of hostile input, and no label holds a username, address or token', async () => {
      await withMetricsApp(db, {}, async (api, url) => {
        const sent: string[] = [];
        const marker = fc
          .stringMatching(/^[a-z0-9]{12}$/)
          .map((text) => `zq${text}`);
        const requests = fc.sample(
          fc.record({
            kind: fc.constantFrom('login', 'refresh', 'bearer', 'path'),
            marker,
            body: rawBody,
            type: contentType,
            search: query,
            method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
          }),
          { numRuns: 300, seed: 27 },
        );
        for (const request of requests) {
          sent.push(request.marker);
          const headers: Record<string, string> = {};
          let path = '/auth/login';
          let body: string | undefined = request.body;
          if (request.type !== undefined)
            headers['content-type'] = request.type;
          if (request.kind === 'login' || request.kind === 'refresh') {
            if (request.kind === 'refresh') path = '/auth/refresh';
            headers['content-type'] = 'application/json';
            body = JSON.stringify({
              username: request.marker,
              password: `${request.marker}-password`,
              refresh_token: `${request.marker}.${request.marker}`,
            });
          } else if (request.kind === 'bearer') {
            path = '/auth/me';
            body = undefined;
            headers.authorization = `Bearer ${request.marker}`;
          } else {
            path = `/admin/users/${request.marker}/${request.marker}`;
          }
          const response = await fetch(api.url + path + request.search, {
            method:
              request.kind === 'path'
                ? request.method
                : path === '/auth/me'
                  ? 'GET'
                  : 'POST',
            headers,
            body:
              request.kind === 'path' && request.method === 'GET'
                ? undefined
                : body,
          });
          await response.text();
          expect(response.status).toBeLessThan(500);
        }

        const scraped = await scrape(url);
        const samples = samplesOf(scraped.text);
        expect(samples.length).toBeLessThan(SERIES_BOUND);
        for (const marker of sent) expect(scraped.text).not.toContain(marker);
        expect(scraped.text).not.toContain('127.0.0.1');
        // Every route label is a template the app declares, or `unmatched`.
        const routes = new Set(
          samples
            .map((sample) => sample.labels.route)
            .filter((route) => route !== undefined),
        );
        for (const route of routes)
          expect(route).toMatch(/^(unmatched|\/[a-z0-9/:_*.-]*)$/);
        expect(routes.has('/auth/login')).toBe(true);
        const labelNames = new Set(
          samples.flatMap((sample) => Object.keys(sample.labels)),
        );
        for (const name of labelNames)
          expect([
            'le',
            'route',
            'method',
            'status_class',
            'outcome',
            'budget',
            'origin',
            'code',
            'type',
            'space',
            'version',
            'major',
            'minor',
            'patch',
            'kind',
          ]).toContain(name);
      });
    });

    it('/health/ready is 503 once the database is gone while /health/live stays 200; the listener closes with the app', async () => {
      let metricsUrl = '';
      await withMetricsApp(db, {}, async (api, url) => {
        metricsUrl = url;
        expect((await api.get('/health/ready')).status).toBe(200);
        await api.app.get(DataSource).destroy();

        const ready = await api.get('/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({
          error: 'Database is unavailable',
          code: 'service_unavailable',
        });
        expect(ready.headers.get('retry-after')).toBe('5');
        const live = await api.get('/health/live');
        expect(live.status).toBe(200);
        expect(live.body).toEqual({ status: 'ok' });
        const samples = samplesOf((await scrape(url)).text);
        expect(valueOf(samples, 'trading_auth_database_up')).toBe(0);
        expect(valueOf(samples, 'trading_auth_ready')).toBe(0);
      });
      await expect(fetch(metricsUrl)).rejects.toThrow();
    });
  });
});
