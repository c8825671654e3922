import type Redis from 'ioredis';
import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { FromResponse, requestFrom } from './support/http-from';
import { RedisServer } from './support/redis-server';
import { TestApp } from './support/test-app';

/**
 * WebSocket tickets are bound to the client address they were issued to,
 * and a ticket's value in Redis is believed only with the server's MAC.
 * Clients get their own address by binding to 127.0.0.x; 127.0.0.1 is the
 * one trusted proxy, so X-Forwarded-For from it names the client.
 */
jest.setTimeout(60_000);

interface Refusal {
  status: number;
  body: unknown;
}

const UNKNOWN_TICKET: Refusal = {
  status: 401,
  body: { error: expect.any(String), code: 'unauthorized' },
};

/** An upgrade from `localAddress`: the open socket, or the HTTP refusal. */
function handshake(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<WebSocket | Refusal> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, headers });
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

/** The refusal of an upgrade; a socket that opens instead is closed and reported as 'opened'. */
async function refusal(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<Refusal | 'opened'> {
  const answer = await handshake(url, localAddress, headers);
  if (!(answer instanceof WebSocket)) return answer;
  answer.close();
  return 'opened';
}

/** The `whoami` answer of an open socket, which is then closed. */
function whoami(opened: WebSocket | Refusal): Promise<any> {
  if (!(opened instanceof WebSocket))
    throw new Error(`upgrade refused: ${JSON.stringify(opened)}`);
  return new Promise((resolve) => {
    opened.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
      opened.close();
    });
    opened.send(JSON.stringify({ event: 'whoami' }));
  });
}

let count = 0;
const unique = (prefix: string) => `${prefix}${++count}`;

describe.each(DRIVERS)('WebSocket tickets on $name', (driver) => {
  describe.each([{ store: 'memory' }, { store: 'redis' }])(
    'held in $store',
    ({ store }) => {
      let db: TestDatabase;
      let redisServer: RedisServer | undefined;
      let redis: Redis | undefined;
      let api: TestApp;
      const prefix = `e2e-ws-${process.pid}:`;

      beforeAll(async () => {
        db = await driver.create();
        if (store === 'redis') {
          redisServer = await RedisServer.start();
          redis = redisServer.client();
        }
        api = await TestApp.start(db, {
          TRUST_PROXY: '127.0.0.1',
          ...(redisServer
            ? { REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: prefix }
            : {}),
        });
      });

      afterAll(async () => {
        await api?.close();
        await redis?.quit();
        await redisServer?.kill();
        await db?.drop();
      });

      const ticketUrl = (ticket: string) => `${api.wsUrl}/ws?ticket=${ticket}`;

      function issueFrom(
        localAddress: string,
        credentials: { token?: string; key?: string },
        headers: Record<string, string> = {},
      ): Promise<FromResponse> {
        return requestFrom(localAddress, `${api.url}/auth/ws-ticket`, {
          token: credentials.token,
          headers: {
            ...headers,
            ...(credentials.key ? { 'x-api-key': credentials.key } : {}),
          },
        });
      }

      it('refuses a ticket from another address with 401, and it still opens from its own, once', async () => {
        const user = await api.createUser(unique('bound'), 2);
        const issued = await issueFrom('127.0.0.1', {
          token: user.access_token,
        });
        expect(issued.status).toBe(200);
        const url = ticketUrl(issued.body.ticket);

        expect(await refusal(url, '127.0.0.2')).toEqual(UNKNOWN_TICKET);
        // The refusal did not spend it: whoever saw the ticket elsewhere cannot burn it.
        expect(await whoami(await handshake(url, '127.0.0.1'))).toEqual({
          event: 'whoami',
          data: {
            id: user.id,
            username: expect.any(String),
            permission_tier: 2,
            access_expires_at: user.access_expires_at,
          },
        });
        expect(await refusal(url, '127.0.0.1')).toEqual(UNKNOWN_TICKET);
        expect(await refusal(url, '127.0.0.2')).toEqual(UNKNOWN_TICKET);
      });

      it("keeps an API key's ticket inside the key's allowlist", async () => {
        const username = unique('pinned');
        const user = await api.createUser(username, 3);
        const created = await api.post(
          '/auth/api-keys',
          {
            name: 'bot',
            permission_tier: 3,
            password: 'password-of-' + username,
            ip_allowlist: ['127.0.0.1'],
          },
          user.access_token,
        );
        expect(created.status).toBe(201);
        const issued = await issueFrom('127.0.0.1', { key: created.body.key });
        expect(issued.status).toBe(200);
        const url = ticketUrl(issued.body.ticket);

        expect(await refusal(url, '127.0.0.2')).toEqual(UNKNOWN_TICKET);
        expect(
          (await whoami(await handshake(url, '127.0.0.1'))).data,
        ).toMatchObject({ id: user.id, permission_tier: 3 });
      });

      it('binds the client a trusted proxy names, IPv4-mapped or not, and no other', async () => {
        const user = await api.createUser(unique('proxied'), 2);
        const forwardedFor = (address: string) => ({
          'x-forwarded-for': address,
        });
        const first = await issueFrom(
          '127.0.0.1',
          { token: user.access_token },
          forwardedFor('::ffff:203.0.113.9'),
        );
        expect(first.status).toBe(200);
        const url = ticketUrl(first.body.ticket);
        // Another client behind the same proxy.
        expect(
          await refusal(url, '127.0.0.1', forwardedFor('203.0.113.10')),
        ).toEqual(UNKNOWN_TICKET);
        // The proxy itself.
        expect(await refusal(url, '127.0.0.1')).toEqual(UNKNOWN_TICKET);
        // A peer that is not a trusted proxy does not get to name the client.
        expect(
          await refusal(url, '127.0.0.2', forwardedFor('203.0.113.9')),
        ).toEqual(UNKNOWN_TICKET);
        expect(
          (
            await whoami(
              await handshake(url, '127.0.0.1', forwardedFor('203.0.113.9')),
            )
          ).data.id,
        ).toBe(user.id);
      });

      if (store === 'redis') {
        /** The ticket keys in Redis now. */
        async function ticketKeys(): Promise<string[]> {
          return redis!.keys(`${prefix}ws-ticket:*`);
        }

        /** A ticket issued to `user` from 127.0.0.1, and the one Redis key it added. */
        async function issueStored(user: { access_token: string }) {
          const before = new Set(await ticketKeys());
          const issued = await issueFrom('127.0.0.1', {
            token: user.access_token,
          });
          expect(issued.status).toBe(200);
          const added = (await ticketKeys()).filter((key) => !before.has(key));
          expect(added).toHaveLength(1);
          const value = await redis!.get(added[0]);
          expect(value).not.toBeNull();
          return { ticket: issued.body.ticket as string, key: added[0], value };
        }

        it('refuses a ticket whose value in Redis was written by someone else', async () => {
          const user = await api.createUser(unique('forged'), 1);
          const { ticket, key } = await issueStored(user);
          const claims = JSON.parse(
            Buffer.from(user.access_token.split('.')[1], 'base64url').toString(
              'utf8',
            ),
          );
          // What anyone who can write to Redis could put there: an admin of a made-up session.
          await redis!.set(
            key,
            JSON.stringify({
              id: user.id,
              username: 'forged',
              tier: 4,
              sessionId: 'made-up-session',
              jti: 'made-up-jti',
              expiresAt: Math.floor(Date.now() / 1000) + 3600,
              tokenVersion: claims.ver,
            }),
            'KEEPTTL',
          );
          expect(await refusal(ticketUrl(ticket), '127.0.0.1')).toEqual(
            UNKNOWN_TICKET,
          );
        });

        it('refuses a ticket whose stored tier was edited', async () => {
          const user = await api.createUser(unique('edited'), 1);
          const { ticket, key, value } = await issueStored(user);
          const edited = value!.replace('"tier":1,', '"tier":4,');
          expect(edited).not.toBe(value);
          await redis!.set(key, edited, 'KEEPTTL');
          expect(await refusal(ticketUrl(ticket), '127.0.0.1')).toEqual(
            UNKNOWN_TICKET,
          );
        });
      }
    },
  );
});
