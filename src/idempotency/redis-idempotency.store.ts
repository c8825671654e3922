import type Redis from 'ioredis';
import { randomToken } from '../common/random-token';
import { Begun, IdempotencyStore, StoredResponse } from './idempotency.store';

/** Replaces the value with ARGV[2] (for ARGV[3] ms) only while it is still this claim's mark, ARGV[1]. */
const COMPLETE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

/** Deletes the key only while it is still this claim's mark, ARGV[1]. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

interface IdempotencyCommands {
  idempotencyComplete(
    key: string,
    mark: string,
    value: Buffer,
    ttlMs: number,
  ): Promise<number>;
  idempotencyRelease(key: string, mark: string): Promise<number>;
}

/** What a value says about its request; the answer's body follows it after a newline. */
interface Meta {
  /** Fingerprint. */
  f: string;
  /** Claim token while in flight. */
  t?: string;
  /** Status, once completed. */
  s?: number;
  /** Content-Type. */
  c?: string;
  /** Location. */
  l?: string;
}

const NEWLINE = 0x0a;

/**
 * Keys in Redis, under `<REDIS_KEY_PREFIX>idem:`, shared by every instance:
 * `SET NX PX` puts the in-flight mark (the first instance to set it runs
 * the handler), and the answer then replaces the mark, with the TTL as its
 * expiry. The mark carries a random token, so only the request that set it
 * can complete or release it (a compare-and-set script). Expired keys
 * vanish by themselves. Commands fail at once while Redis is away (no
 * offline queue), and IdempotencyStores falls back to the database.
 *
 * A value is `<JSON meta>` (in flight) or `<JSON meta>\n<body bytes>`:
 * JSON.stringify never writes a raw newline, so the first one ends the meta.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly commands: IdempotencyCommands;

  constructor(
    private readonly client: Redis,
    private readonly keyOf: (name: string) => string,
  ) {
    client.defineCommand('idempotencyComplete', {
      numberOfKeys: 1,
      lua: COMPLETE_SCRIPT,
    });
    client.defineCommand('idempotencyRelease', {
      numberOfKeys: 1,
      lua: RELEASE_SCRIPT,
    });
    this.commands = client as unknown as IdempotencyCommands;
  }

  async begin(
    scope: string,
    fingerprint: string,
    inFlightMs: number,
  ): Promise<Begun> {
    const key = this.keyOf(`idem:${scope}`);
    for (let attempt = 0; attempt < 3; attempt++) {
      const mark = JSON.stringify({ f: fingerprint, t: randomToken(16) });
      if ((await this.client.set(key, mark, 'PX', inFlightMs, 'NX')) === 'OK')
        return { state: 'claimed', claim: this.claim(key, mark) };
      const value = await this.client.getBuffer(key);
      // Expired or released between the two commands: try again.
      if (value === null) continue;
      return decode(value, fingerprint);
    }
    return { state: 'in_flight' };
  }

  private claim(key: string, mark: string) {
    return {
      complete: async (response: StoredResponse, ttlMs: number) => {
        const meta: Meta = {
          f: (JSON.parse(mark) as Meta).f,
          s: response.status,
          c: response.contentType,
          l: response.location,
        };
        await this.commands.idempotencyComplete(
          key,
          mark,
          Buffer.concat([
            Buffer.from(JSON.stringify(meta) + '\n'),
            response.body,
          ]),
          ttlMs,
        );
      },
      release: async () => {
        await this.commands.idempotencyRelease(key, mark);
      },
    };
  }
}

function decode(value: Buffer, fingerprint: string): Begun {
  const newline = value.indexOf(NEWLINE);
  const meta = JSON.parse(
    value.toString('utf8', 0, newline === -1 ? value.length : newline),
  ) as Meta;
  if (meta.f !== fingerprint) return { state: 'mismatch' };
  if (newline === -1 || meta.s === undefined) return { state: 'in_flight' };
  return {
    state: 'completed',
    response: {
      status: meta.s,
      contentType: meta.c,
      location: meta.l,
      body: Buffer.from(value.subarray(newline + 1)),
    },
  };
}
