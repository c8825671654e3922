import Fastify from 'fastify';
import type { IncomingMessage } from 'node:http';
import { fastifyTrustProxy } from '../app.setup';
import type { TrustProxy } from '../config/app-config';
import { upgradeClientAddress } from './upgrade-client-address';

const TRUST: TrustProxy[] = [
  false,
  1,
  2,
  ['127.0.0.1'],
  ['10.0.0.0/8', '127.0.0.1'],
  ['::ffff:127.0.0.1'],
  ['::1', '2001:db8::/32'],
];
const PEERS = [
  '127.0.0.1',
  '10.1.2.3',
  '::ffff:127.0.0.1',
  '::ffff:10.9.9.9',
  '203.0.113.5',
  '::1',
  '2001:db8::7',
];
const FORWARDED_FOR: (string | undefined)[] = [
  undefined,
  '',
  '203.0.113.9',
  '::ffff:203.0.113.9',
  '10.0.0.5, 203.0.113.9',
  '203.0.113.9, 10.0.0.5',
  ' 198.51.100.1 ,\t10.0.0.7,',
  '198.51.100.1, 127.0.0.1, 10.0.0.7',
  '2001:db8::1, 2001:db8::2',
  'not-an-address, 10.0.0.7',
  ',,',
];

describe(upgradeClientAddress.name, () => {
  // The upgrade's address must be the one Fastify gave the request that got
  // the ticket, or tickets would not open behind a proxy (or open for a
  // spoofed X-Forwarded-For): compared with Fastify itself, case by case.
  it.each(TRUST.map((trust) => [JSON.stringify(trust), trust] as const))(
    'resolves what Fastify resolves as request.ip with TRUST_PROXY %s',
    async (_name, trust) => {
      const fastify = Fastify({ trustProxy: fastifyTrustProxy(trust) });
      fastify.get('/', (request) => ({ ip: request.ip }));
      const resolve = upgradeClientAddress(trust);
      const mismatches: string[] = [];
      for (const peer of PEERS) {
        for (const forwarded of FORWARDED_FOR) {
          const headers =
            forwarded === undefined ? {} : { 'x-forwarded-for': forwarded };
          const response = await fastify.inject({
            url: '/',
            remoteAddress: peer,
            headers,
          });
          const expected = response.json<{ ip: string }>().ip;
          const actual = resolve({
            socket: { remoteAddress: peer },
            headers,
          } as unknown as IncomingMessage);
          if (actual !== expected)
            mismatches.push(
              `${peer} + ${JSON.stringify(forwarded)}: ${actual} != ${expected}`,
            );
        }
      }
      await fastify.close();
      expect(mismatches).toEqual([]);
    },
  );
});
