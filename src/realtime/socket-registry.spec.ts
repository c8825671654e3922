import type { Principal } from '../auth/principal';
import { Tier } from '../auth/tier';
import { SocketRegistry } from './socket-registry';

interface FakeSocket {
  name: string;
}

const T0 = 1_700_000_000_000; // ms, on a whole second

function principal(overrides: Partial<Principal> = {}): Principal {
  return {
    id: 1,
    username: 'trader1',
    tier: Tier.Trader,
    sessionId: 'session-1',
    jti: 'jti-1',
    expiresAt: T0 / 1000 + 60,
    tokenVersion: 0,
    ...overrides,
  };
}

describe(SocketRegistry.name, () => {
  let registry: SocketRegistry<FakeSocket>;
  const socket = (name: string): FakeSocket => ({ name });

  beforeEach(() => {
    registry = new SocketRegistry<FakeSocket>({ perUser: 3, total: 5 }, T0);
  });

  it('takes out the sockets of a blocklisted JTI and nothing else', () => {
    const a = socket('a');
    const b = socket('b');
    registry.add(a, principal({ jti: 'x' }));
    registry.add(b, principal({ jti: 'y' }));
    expect(registry.takeRevoked({ kind: 'token', jti: 'x' })).toEqual([a]);
    expect(registry.takeRevoked({ kind: 'token', jti: 'x' })).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('takes out every socket of a revoked session', () => {
    const a = socket('a');
    const b = socket('b');
    const c = socket('c');
    registry.add(a, principal({ jti: 'x', sessionId: 's1' }));
    registry.add(b, principal({ jti: 'y', sessionId: 's1' }));
    registry.add(c, principal({ jti: 'z', sessionId: 's2' }));
    expect(registry.takeRevoked({ kind: 'session', sessionId: 's1' })).toEqual([
      a,
      b,
    ]);
    expect(registry.size).toBe(1);
  });

  it('takes out only the sockets whose token predates the user’s new token version', () => {
    const old = socket('old');
    const fresh = socket('fresh');
    const stranger = socket('stranger');
    registry.add(old, principal({ jti: 'x', tokenVersion: 1 }));
    registry.add(fresh, principal({ jti: 'y', tokenVersion: 2 }));
    registry.add(stranger, principal({ id: 2, jti: 'z', tokenVersion: 0 }));
    expect(
      registry.takeRevoked({ kind: 'user', userId: 1, tokenVersion: 2 }),
    ).toEqual([old]);
    expect(registry.size).toBe(2);
  });

  it('expires a socket once the clock reaches its exp second, not before', () => {
    const a = socket('a');
    registry.add(a, principal({ expiresAt: T0 / 1000 + 2 }));
    expect(registry.takeExpired(T0 + 1999)).toEqual([]);
    expect(registry.takeExpired(T0 + 2000)).toEqual([a]);
    expect(registry.size).toBe(0);
  });

  it('catches up on every second a late sweep missed', () => {
    const a = socket('a');
    const b = socket('b');
    registry.add(a, principal({ jti: 'x', expiresAt: T0 / 1000 + 1 }));
    registry.add(b, principal({ jti: 'y', expiresAt: T0 / 1000 + 3 }));
    expect(registry.takeExpired(T0 + 10_000)).toEqual([a, b]);
  });

  it('files a token that is already past its exp for the next sweep', () => {
    registry.takeExpired(T0 + 5000);
    const a = socket('a');
    registry.add(a, principal({ expiresAt: T0 / 1000 + 1 }));
    expect(registry.takeExpired(T0 + 6000)).toEqual([a]);
  });

  it('moves a socket onto a new token on re-authentication', () => {
    const a = socket('a');
    registry.add(a, principal({ jti: 'old', expiresAt: T0 / 1000 + 1 }));
    registry.replace(a, principal({ jti: 'new', expiresAt: T0 / 1000 + 60 }));
    expect(registry.takeExpired(T0 + 2000)).toEqual([]);
    expect(registry.takeRevoked({ kind: 'token', jti: 'old' })).toEqual([]);
    expect(registry.principalOf(a)?.jti).toBe('new');
    expect(registry.takeRevoked({ kind: 'token', jti: 'new' })).toEqual([a]);
  });

  it('bounds sockets per user and in total', () => {
    for (let i = 0; i < 3; i++)
      expect(registry.add(socket(`u1-${i}`), principal({ jti: `j${i}` }))).toBe(
        'ok',
      );
    expect(registry.admission(1)).toBe('user_limit');
    expect(registry.add(socket('u1-extra'), principal())).toBe('user_limit');
    for (let i = 0; i < 2; i++)
      expect(
        registry.add(socket(`u2-${i}`), principal({ id: 2, jti: `k${i}` })),
      ).toBe('ok');
    expect(registry.admission(3)).toBe('total_limit');
    expect(registry.size).toBe(5);
  });

  it('terminates on the second heartbeat round a socket that never answered', () => {
    const quiet = socket('quiet');
    const chatty = socket('chatty');
    registry.add(quiet, principal({ jti: 'x' }));
    registry.add(chatty, principal({ jti: 'y' }));
    expect(registry.heartbeat()).toEqual({ dead: [], alive: [quiet, chatty] });
    registry.markAlive(chatty);
    expect(registry.heartbeat()).toEqual({ dead: [quiet], alive: [chatty] });
  });

  it('forgets a socket in every index when it is removed', () => {
    const a = socket('a');
    const b = socket('b');
    registry.add(a, principal({ jti: 'x', sessionId: 's1' }));
    registry.add(
      b,
      principal({ id: 2, jti: 'y', sessionId: 's2', expiresAt: T0 / 1000 + 5 }),
    );
    registry.replace(b, principal({ id: 2, jti: 'z', sessionId: 's2' }));
    expect(registry.remove(a)).toBe(true);
    expect(registry.remove(a)).toBe(false);
    registry.remove(b);
    expect(registry.size).toBe(0);
    expect(registry.indexSizes()).toEqual({
      jti: 0,
      session: 0,
      user: 0,
      expiry: 0,
    });
  });

  it('finds the one socket of a logout among 10,000 in well under 50 ms', () => {
    const big = new SocketRegistry<FakeSocket>(
      { perUser: 10, total: 20_000 },
      T0,
    );
    const sockets: FakeSocket[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = socket(`s${i}`);
      sockets.push(s);
      big.add(
        s,
        principal({
          id: i,
          jti: `jti-${i}`,
          sessionId: `session-${i}`,
          expiresAt: T0 / 1000 + 60 + (i % 900),
        }),
      );
    }
    const taken = big.takeRevoked({ kind: 'token', jti: 'jti-4242' });
    expect(taken).toEqual([sockets[4242]]);
    expect(big.size).toBe(9_999);
    expect(big.principalOf(sockets[4241])).toBeDefined();
    // One sweep reads only the seconds that passed, not all 10,000 sockets.
    expect(big.takeExpired(T0 + 60_000)).toHaveLength(12);
  });
});
