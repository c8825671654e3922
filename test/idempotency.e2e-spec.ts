import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IdempotencyProbeModule } from './fixtures/idempotency-probe.module';
import { OrdersModule } from './fixtures/orders.module';
import { DRIVERS } from './support/databases';
import { OpenApiContract } from './support/openapi-contract';
import { rawHttp } from './support/raw-http';
import {
  ApiResponse,
  sleep,
  TestApp,
  useTestApp,
  waitFor,
} from './support/test-app';

jest.setTimeout(60_000);

const ORDER = { symbol: 'BTCUSD', side: 'buy', quantity: 3 };
const FEATURES = [OrdersModule, IdempotencyProbeModule];

interface Caller {
  token?: string;
  apiKey?: string;
}

function send(
  api: TestApp,
  method: string,
  path: string,
  caller: Caller,
  key: string | undefined,
  body: unknown,
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers['idempotency-key'] = key;
  if (caller.apiKey !== undefined) headers['x-api-key'] = caller.apiKey;
  return api.request(method, path, { body, token: caller.token, headers });
}

const replayed = (response: ApiResponse) =>
  response.headers.get('idempotent-replayed');

/** The run count of the probe's handler on this instance. */
async function probeRuns(api: TestApp, token: string): Promise<number> {
  return (await api.get('/idempotency-probe/runs', token)).body.runs;
}

describe.each(DRIVERS)('@Idempotent() on one instance, on $name', (driver) => {
  const api = useTestApp(driver, {}, FEATURES);
  let trader: { access_token: string; id: number };
  let other: { access_token: string; id: number };

  beforeAll(async () => {
    trader = await api.createUser('idem-trader', 2);
    other = await api.createUser('idem-other', 2);
  });

  const place = (caller: Caller, key: string | undefined, body = ORDER) =>
    send(api, 'POST', '/orders', caller, key, body);
  const probe = (
    key: string | undefined,
    body: object = {},
    path = '/idempotency-probe',
    method = 'POST',
  ) => send(api, method, path, { token: trader.access_token }, key, body);
  const ordersOf = async (token: string) =>
    (await api.get('/orders', token)).body.orders as Array<{ id: number }>;

  it('runs the handler once for twenty parallel requests with one key; the others get the replay or 409', async () => {
    const caller = { token: other.access_token };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => place(caller, 'burst-one-instance')),
    );
    const originals = answers.filter(
      (a) => a.status === 201 && replayed(a) === null,
    );
    expect(originals).toHaveLength(1);
    for (const answer of answers) {
      if (answer === originals[0]) continue;
      if (answer.status === 409) {
        expect(answer.body).toEqual({
          error: expect.any(String),
          code: 'idempotency_key_in_use',
        });
        expect(answer.headers.get('retry-after')).toBe('1');
      } else {
        expect([answer.status, replayed(answer), answer.text]).toEqual([
          201,
          'true',
          originals[0].text,
        ]);
      }
    }
    expect(await ordersOf(other.access_token)).toEqual([
      { id: originals[0].body.id, ...ORDER },
    ]);
  });

  it('replays a completed request byte for byte, with Idempotent-Replayed: true, without running the handler', async () => {
    const first = await place({ token: trader.access_token }, 'replay-1');
    expect(first.status).toBe(201);
    expect(replayed(first)).toBeNull();
    expect(first.body).toEqual({ id: expect.any(Number), ...ORDER });
    const again = await place({ token: trader.access_token }, 'replay-1');
    expect(again.status).toBe(201);
    expect(replayed(again)).toBe('true');
    expect(Buffer.from(again.text)).toEqual(Buffer.from(first.text));
    expect(again.headers.get('content-type')).toBe(
      first.headers.get('content-type'),
    );
    const placed = await ordersOf(trader.access_token);
    expect(placed.filter((o) => o.id === first.body.id)).toHaveLength(1);
    // A new key is a new order.
    const next = await place({ token: trader.access_token }, 'replay-2');
    expect(next.body.id).not.toBe(first.body.id);
  });

  it('refuses the key for a different body with 422 idempotency_key_reused, and runs nothing', async () => {
    const before = (await ordersOf(trader.access_token)).length;
    expect(
      (await place({ token: trader.access_token }, 'changed-1')).status,
    ).toBe(201);
    const changed = await place({ token: trader.access_token }, 'changed-1', {
      ...ORDER,
      quantity: 4,
    });
    expect(changed.status).toBe(422);
    expect(changed.body).toEqual({
      error: 'This Idempotency-Key was used for a different request',
      code: 'idempotency_key_reused',
    });
    // The same JSON written differently is a different raw body.
    const respelled = await api.request('POST', '/orders', {
      raw: JSON.stringify(ORDER, null, 2),
      token: trader.access_token,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'changed-1',
      },
    });
    expect(respelled.status).toBe(422);
    expect(await ordersOf(trader.access_token)).toHaveLength(before + 1);
  });

  it('scopes a key to its route: the same key on another route is another key', async () => {
    const runs = await probeRuns(api, trader.access_token);
    expect(
      (await place({ token: trader.access_token }, 'shared-key')).status,
    ).toBe(201);
    const elsewhere = await probe('shared-key', { note: 'x' });
    expect([elsewhere.status, replayed(elsewhere)]).toEqual([201, null]);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 1);
  });

  it("keeps two users' identical keys apart, and an API key is a caller of its own", async () => {
    const mine = await place({ token: trader.access_token }, 'everyones-key');
    const theirs = await place({ token: other.access_token }, 'everyones-key');
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect([replayed(mine), replayed(theirs)]).toEqual([null, null]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect((await ordersOf(other.access_token)).map((o) => o.id)).toContain(
      theirs.body.id,
    );

    const created = await api.post(
      '/auth/api-keys',
      {
        name: 'order bot',
        permission_tier: 2,
        scopes: ['trade'],
        password: 'password-of-idem-trader',
      },
      trader.access_token,
    );
    expect(created.status).toBe(201);
    const bot = await place({ apiKey: created.body.key }, 'everyones-key');
    expect([bot.status, replayed(bot)]).toEqual([201, null]);
    const botAgain = await place({ apiKey: created.body.key }, 'everyones-key');
    expect([replayed(botAgain), botAgain.text]).toEqual(['true', bot.text]);
  });

  it('answers 409 idempotency_key_in_use with Retry-After: 1 while the first request runs, then replays it', async () => {
    const runs = await probeRuns(api, trader.access_token);
    const body = { delay_ms: 1500, note: 'slow' };
    const first = probe('slow-1', body);
    await waitFor(
      async () => (await probeRuns(api, trader.access_token)) > runs,
      10_000,
    );
    const during = await probe('slow-1', body);
    expect(during.status).toBe(409);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(during.body.code).toBe('idempotency_key_in_use');
    // Another request under the same key is refused even while it runs.
    expect((await probe('slow-1', { note: 'other' })).status).toBe(422);
    const done = await first;
    expect(done.status).toBe(201);
    const after = await probe('slow-1', body);
    expect([after.status, replayed(after), after.text]).toEqual([
      201,
      'true',
      done.text,
    ]);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 1);
  });

  it('releases the key when the handler fails with a 500, so a retry runs again', async () => {
    const runs = await probeRuns(api, trader.access_token);
    const crash = { outcome: 'crash' };
    const first = await probe('crash-1', crash);
    expect(first.status).toBe(500);
    expect(first.body.code).toBe('internal_error');
    const retry = await probe('crash-1', crash);
    expect([retry.status, replayed(retry)]).toEqual([500, null]);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 2);
  });

  it("keeps the handler's own 4xx (a 404, a validation error) and replays them", async () => {
    const runs = await probeRuns(api, trader.access_token);
    const missing = await probe('not-found-1', { outcome: 'not_found' });
    expect(missing.status).toBe(404);
    const again = await probe('not-found-1', { outcome: 'not_found' });
    expect([again.status, replayed(again), again.text]).toEqual([
      404,
      'true',
      missing.text,
    ]);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 1);

    const bad = { ...ORDER, quantity: 0 };
    const invalid = await place({ token: trader.access_token }, 'bad-1', bad);
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('validation_error');
    const invalidAgain = await place(
      { token: trader.access_token },
      'bad-1',
      bad,
    );
    expect([invalidAgain.status, replayed(invalidAgain)]).toEqual([
      400,
      'true',
    ]);
  });

  it('answers a request refused before the handler (401, 403) as usual, and the key stays free', async () => {
    const monitor = await api.createUser('idem-monitor', 1);
    const refused = await place({ token: 'not-a-token' }, 'refused-1');
    expect(refused.status).toBe(401);
    const tooLow = await place({ token: monitor.access_token }, 'refused-1');
    expect(tooLow.status).toBe(403);
    const first = await place({ token: trader.access_token }, 'refused-1');
    expect([first.status, replayed(first)]).toEqual([201, null]);
  });

  it('forgets an answer after the TTL: the same key then runs again', async () => {
    const runs = await probeRuns(api, trader.access_token);
    const path = '/idempotency-probe/short-lived';
    const first = await probe('ttl-1', {}, path);
    expect(replayed(await probe('ttl-1', {}, path))).toBe('true');
    await sleep(2_100);
    const later = await probe('ttl-1', {}, path);
    expect([later.status, replayed(later)]).toEqual([201, null]);
    expect(later.text).not.toBe(first.text);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 2);
  });

  it('requires the header unless the route says required: false', async () => {
    const missing = await place({ token: trader.access_token }, undefined);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'This request needs an Idempotency-Key header',
      code: 'idempotency_key_required',
    });
    const optional = '/idempotency-probe/optional';
    const runs = await probeRuns(api, trader.access_token);
    expect((await probe(undefined, {}, optional, 'PATCH')).status).toBe(200);
    expect((await probe(undefined, {}, optional, 'PATCH')).status).toBe(200);
    expect(await probeRuns(api, trader.access_token)).toBe(runs + 2);
    const keyed = await probe('patch-1', {}, optional, 'PATCH');
    const keyedAgain = await probe('patch-1', {}, optional, 'PATCH');
    expect([keyedAgain.status, replayed(keyedAgain), keyedAgain.text]).toEqual([
      200,
      'true',
      keyed.text,
    ]);
  });

  describe('refuses a bad Idempotency-Key with 400 validation_error and runs nothing', () => {
    const body = JSON.stringify(ORDER);
    const raw = (keyLines: string[]) =>
      rawHttp(
        api.url,
        [
          'POST /orders HTTP/1.1',
          'Host: 127.0.0.1',
          `Authorization: Bearer ${trader.access_token}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          ...keyLines,
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );

    it.each([
      ['empty', ['Idempotency-Key: ']],
      ['256 characters', [`Idempotency-Key: ${'k'.repeat(256)}`]],
      ['non-ASCII', ['Idempotency-Key: clé-ключ']],
      ['a control character', ['Idempotency-Key: a\x01b']],
      ['sent twice', ['Idempotency-Key: twice-1', 'Idempotency-Key: twice-1']],
    ])('%s', async (_name, lines) => {
      const before = (await ordersOf(trader.access_token)).length;
      const answer = await raw(lines);
      expect(answer.status).toBe(400);
      // Node's parser refuses a control character itself, with the same code.
      expect(JSON.parse(answer.body)).toEqual({
        error: expect.any(String),
        code: 'validation_error',
      });
      expect(await ordersOf(trader.access_token)).toHaveLength(before);
    });

    it('takes 255 printable characters', async () => {
      const answer = await raw([`Idempotency-Key: ${'~'.repeat(255)}`]);
      expect(answer.status).toBe(201);
    });
  });

  it('makes POST /admin/users retry-safe with an optional key, storing neither the password nor a plain digest of the body', async () => {
    const admin = await api.adminToken();
    const password = 'retry-safe-password-1';
    const user = { username: 'idem-created', password, permission_tier: 1 };
    const created = await send(
      api,
      'POST',
      '/admin/users',
      { token: admin },
      'create-user-1',
      user,
    );
    expect(created.status).toBe(201);
    const again = await send(
      api,
      'POST',
      '/admin/users',
      { token: admin },
      'create-user-1',
      user,
    );
    expect([again.status, replayed(again), again.text]).toEqual([
      201,
      'true',
      created.text,
    ]);
    // Without a key it is the plain create: the username is taken.
    expect((await api.post('/admin/users', user, admin)).status).toBe(409);

    const rows = await api.app
      .get(DataSource)
      .query('SELECT * FROM idempotency_records');
    const stored = JSON.stringify(
      rows.map((row: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(row).map(([name, value]) => [
            name,
            Buffer.isBuffer(value) ? value.toString('latin1') : value,
          ]),
        ),
      ),
    );
    expect(stored).toContain('idem-created'); // the kept answer
    const rawBody = JSON.stringify(user);
    for (const secret of [
      password,
      Buffer.from(password).toString('base64'),
      Buffer.from(password).toString('hex'),
      createHash('sha256').update(rawBody).digest('hex'),
      createHash('sha256').update(password).digest('hex'),
    ])
      expect(stored).not.toContain(secret);
    expect(stored).not.toContain('create-user-1');
  });

  it('documents the header and its answers in OpenAPI, and answers as documented', async () => {
    const contract = new OpenApiContract((await api.get('/openapi.json')).body);
    const codes = (spec: any, status: number): string[] =>
      spec.responses[String(status)]?.content['application/json'].schema
        .allOf[1].properties.code.enum ?? [];
    const orders = contract.document.paths['/orders'].post;
    expect(orders.parameters).toContainEqual(
      expect.objectContaining({
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
      }),
    );
    expect(codes(orders, 400)).toEqual(
      expect.arrayContaining(['validation_error', 'idempotency_key_required']),
    );
    expect(codes(orders, 409)).toEqual(['idempotency_key_in_use']);
    expect(orders.responses['409'].headers['Retry-After'].required).toBe(true);
    expect(codes(orders, 422)).toEqual(['idempotency_key_reused']);
    expect(codes(orders, 503)).toContain('service_unavailable');
    expect(orders.responses['201'].headers).toHaveProperty(
      'Idempotent-Replayed',
    );

    const createUser = contract.document.paths['/admin/users'].post;
    expect(createUser.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', required: false }),
    );
    expect(codes(createUser, 400)).not.toContain('idempotency_key_required');
    expect(codes(createUser, 409)).toEqual([
      'conflict',
      'idempotency_key_in_use',
    ]);
    expect(createUser.responses['409'].headers['Retry-After'].required).toBe(
      false,
    );

    // Real answers against the document.
    const check = (method: string, path: string, answer: ApiResponse) =>
      contract.check(method, path, {
        ...answer,
        header: (name) => answer.headers.get(name),
      });
    check(
      'POST',
      '/orders',
      await place({ token: trader.access_token }, undefined),
    );
    await place({ token: trader.access_token }, 'doc-1');
    check(
      'POST',
      '/orders',
      await place({ token: trader.access_token }, 'doc-1', {
        ...ORDER,
        side: 'sell',
      }),
    );
  });
});

describe.each(DRIVERS)('idempotency records on $name', (driver) => {
  it('last IDEMPOTENCY_TTL and are purged after it', async () => {
    const db = await driver.create();
    try {
      const api = await TestApp.start(
        db,
        { BLOCKLIST_PURGE_SECONDS: '1', IDEMPOTENCY_TTL: '2' },
        FEATURES,
      );
      try {
        const admin = await api.adminToken();
        const headers = { 'idempotency-key': 'purged-1' };
        const first = await api.request('POST', '/idempotency-probe', {
          body: {},
          token: admin,
          headers,
        });
        expect(first.status).toBe(201);
        const rows = api.app.get(DataSource);
        const count = async () =>
          Number(
            (
              await rows.query('SELECT COUNT(*) AS n FROM idempotency_records')
            )[0].n,
          );
        expect(await count()).toBe(1);
        await waitFor(async () => (await count()) === 0, 15_000, 200);
        const later = await api.request('POST', '/idempotency-probe', {
          body: {},
          token: admin,
          headers,
        });
        expect([
          later.status,
          later.headers.get('idempotent-replayed'),
        ]).toEqual([201, null]);
        expect(later.body.run).toBe(2);
      } finally {
        await api.close();
      }
    } finally {
      await db.drop();
    }
  });
});
