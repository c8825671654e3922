import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { RawWebSocket } from './support/raw-ws';
import { TestApp, waitFor } from './support/test-app';
import { WsClient } from './support/ws-client';
import { TickerModule } from './fixtures/ticker.module';

interface Refusal {
  status: number;
  body: unknown;
}

/** A handshake with extra headers: the opened socket, or the HTTP refusal. */
function handshake(
  url: string,
  headers: Record<string, string> = {},
): Promise<WebSocket | Refusal> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
      );
    });
    socket.once('error', reject);
  });
}

let count = 0;
const unique = (prefix: string) => `${prefix}${++count}`;

describe.each(DRIVERS)(
  'WebSocket hardening and gateways on $name',
  (driver) => {
    let db: TestDatabase;
    let api: TestApp;
    let port: number;

    beforeAll(async () => {
      db = await driver.create();
      api = await TestApp.start(
        db,
        {
          WS_MAX_MESSAGES_PER_SECOND: '5',
          WS_ALLOWED_ORIGINS: 'https://app.example.com',
        },
        [TickerModule],
      );
      port = Number(new URL(api.url).port);
    });

    afterAll(async () => {
      await api.close();
      await db.drop();
    });

    describe('tickets', () => {
      it('opens a socket as the access token it was issued for, once', async () => {
        const user = await api.createUser(unique('ticket'), 2);
        const issued = await api.post(
          '/auth/ws-ticket',
          undefined,
          user.access_token,
        );
        expect(issued.status).toBe(200);
        expect(issued.body).toEqual({
          ticket: expect.any(String),
          expires_in: 30,
        });
        expect(issued.body.ticket).not.toContain(user.access_token);

        const url = `${api.wsUrl}/ws?ticket=${issued.body.ticket}`;
        const client = await WsClient.openUrl(url);
        const reply = await client.request('whoami');
        expect(reply).toEqual({
          event: 'whoami',
          data: {
            id: user.id,
            username: expect.any(String),
            permission_tier: 2,
            access_expires_at: user.access_expires_at,
          },
        });

        // Used once: a second upgrade with it is refused before any socket exists.
        expect(await handshake(url)).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'unauthorized' },
        });
        client.close();
      });

      it('refuses an unknown ticket, and one whose token was revoked', async () => {
        expect(
          await handshake(`${api.wsUrl}/ws?ticket=${'A'.repeat(43)}`),
        ).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'unauthorized' },
        });
        const user = await api.createUser(unique('ticket-revoked'), 2);
        const issued = await api.post(
          '/auth/ws-ticket',
          undefined,
          user.access_token,
        );
        await api.post('/auth/logout', undefined, user.access_token);
        expect(
          await handshake(`${api.wsUrl}/ws?ticket=${issued.body.ticket}`),
        ).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'token_revoked' },
        });
      });

      it('closes a socket opened with a ticket with 4002 when its token is logged out', async () => {
        const user = await api.createUser(unique('ticket-close'), 2);
        const issued = await api.post(
          '/auth/ws-ticket',
          undefined,
          user.access_token,
        );
        const client = await WsClient.openUrl(
          `${api.wsUrl}/ws?ticket=${issued.body.ticket}`,
        );
        await api.post('/auth/logout', undefined, user.access_token);
        expect(await client.closedWithin(5_000)).toMatchObject({
          code: 4002,
          reason: 'token_revoked',
        });
      });

      it('needs an access token to issue one', async () => {
        const response = await api.post('/auth/ws-ticket');
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          error: expect.any(String),
          code: 'unauthorized',
        });
      });
    });

    describe('origins (WS_ALLOWED_ORIGINS)', () => {
      it('refuses a browser origin that is not listed with 403, before any socket exists', async () => {
        const user = await api.createUser(unique('origin'), 2);
        const url = `${api.wsUrl}/ws?token=${user.access_token}`;
        expect(
          await handshake(url, { Origin: 'https://evil.example.com' }),
        ).toEqual({
          status: 403,
          body: { error: expect.any(String), code: 'origin_not_allowed' },
        });
        const listed = await handshake(url, {
          Origin: 'https://app.example.com',
        });
        expect(listed).toBeInstanceOf(WebSocket);
        (listed as WebSocket).terminate();
        // A program sends no Origin at all.
        const program = await handshake(url);
        expect(program).toBeInstanceOf(WebSocket);
        (program as WebSocket).terminate();
      });
    });

    describe('misbehaving peers', () => {
      it('answers frames over WS_MAX_MESSAGES_PER_SECOND with errors, then closes with 1008', async () => {
        const user = await api.createUser(unique('flood'), 2);
        const client = await WsClient.open(api.wsUrl, user.access_token);
        for (let i = 0; i < 30; i++) client.send('whoami');
        const closed = await client.closedWithin(5_000);
        expect(closed).toMatchObject({ code: 1008, reason: 'rate_limited' });
        const received = client.drain();
        const answers = received.filter((m) => m.event === 'whoami');
        const refusals = received.filter(
          (m) => m.event === 'error' && m.data.code === 'rate_limited',
        );
        expect(answers.length).toBeLessThanOrEqual(5);
        expect(refusals.length).toBeGreaterThan(0);
        expect(answers.length + refusals.length).toBeLessThanOrEqual(10);
      });

      it('dispatches nothing after closing a revoked socket, and cuts a peer that ignores the close', async () => {
        const user = await api.createUser(unique('ignores-close'), 2);
        const raw = await RawWebSocket.open(
          port,
          `/ws?token=${user.access_token}`,
        );
        raw.sendText('{"event":"whoami"}');
        await waitFor(() => raw.frames.length === 1, 5_000);

        await api.post('/auth/logout', undefined, user.access_token);
        await waitFor(() => raw.closeFrame !== undefined, 5_000);
        expect(raw.closeFrame!.payload.readUInt16BE(0)).toBe(4002);
        // The peer never answers the close and keeps sending.
        const before = raw.frames.length;
        for (let i = 0; i < 3; i++) raw.sendText('{"event":"whoami"}');
        // ws itself would wait 30 s for the peer's close frame; the server cuts it sooner.
        await Promise.race([
          raw.ended,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error('socket still open after 10 s')),
              10_000,
            ),
          ),
        ]);
        expect(
          raw.frames.slice(before).filter((f) => f.opcode === 0x1),
        ).toEqual([]);
      });
    });

    describe('a second gateway (test/fixtures/ticker.module.ts)', () => {
      it('gets the principal, the tier check and close-on-revocation without code of its own', async () => {
        const trader = await api.createUser(unique('ticker-trader'), 2);
        const monitor = await api.createUser(unique('ticker-monitor'), 1);
        const traderSocket = await WsClient.openUrl(
          `${api.wsUrl}/ws-ticker?token=${trader.access_token}`,
        );
        const monitorSocket = await WsClient.openUrl(
          `${api.wsUrl}/ws-ticker?token=${monitor.access_token}`,
        );
        expect(
          await traderSocket.request('quote', { symbol: 'BTC-USD' }),
        ).toEqual({
          event: 'quote',
          data: {
            symbol: 'BTC-USD',
            for: expect.stringMatching(/^ticker-trader/),
          },
        });
        expect(
          await monitorSocket.request('quote', { symbol: 'BTC-USD' }),
        ).toEqual({
          event: 'error',
          data: { error: expect.any(String), code: 'insufficient_tier' },
        });
        expect(await traderSocket.request('quote', { symbol: '' })).toEqual({
          event: 'error',
          data: { error: expect.any(String), code: 'validation_error' },
        });
        expect(
          await handshake(`${api.wsUrl}/ws-ticker?token=not-a-token`),
        ).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'token_invalid' },
        });

        await api.post('/auth/logout', undefined, trader.access_token);
        expect(await traderSocket.closedWithin(5_000)).toMatchObject({
          code: 4002,
        });
        monitorSocket.close();
      });
    });
  },
);
