import { loadConfig } from '../config/load-config';
import { RateLimitCounter } from './rate-limit.constants';
import {
  Budget,
  budgetFor,
  refreshSession,
  retryAfterSeconds,
  storageKey,
  submittedUsername,
  trackerOf,
} from './rate-limit.policy';

const config = loadConfig({
  JWT_SECRET: 'rate-limit-policy-spec-secret-0123456789',
  RATE_LIMIT_LOGIN_MAX: '7',
});
const shared: Budget = { limit: 300, ttlMs: 60_000, scope: 'writes' };

describe('rate-limit policy', () => {
  describe(trackerOf.name, () => {
    it('charges the IP counter to the client address, grouping IPv6 by /64', () => {
      expect(trackerOf(RateLimitCounter.Ip, { ip: '10.0.0.7' })).toBe(
        'ip:10.0.0.7',
      );
      expect(trackerOf(RateLimitCounter.Ip, { ip: '::ffff:10.0.0.7' })).toBe(
        'ip:10.0.0.7',
      );
      expect(
        trackerOf(RateLimitCounter.Ip, { ip: '2001:db8:1:2:3:4:5:6' }),
      ).toBe(trackerOf(RateLimitCounter.Ip, { ip: '2001:db8:1:2:ffff:4:5:6' }));
    });

    it('charges the user counter to the principal, ahead of anything in the body', () => {
      const request = {
        ip: '10.0.0.7',
        principal: { id: 42 },
        body: { username: 'other' },
      };
      expect(trackerOf(RateLimitCounter.User, request, submittedUsername)).toBe(
        'user:42',
      );
    });

    it("uses the route's userKey without a principal, and skips the user counter without either", () => {
      expect(
        trackerOf(
          RateLimitCounter.User,
          { body: { username: ' Alice ' } },
          submittedUsername,
        ),
      ).toBe('username:alice');
      expect(
        trackerOf(RateLimitCounter.User, { body: { username: 'alice' } }),
      ).toBeUndefined();
    });
  });

  describe(submittedUsername.name, () => {
    it.each([
      [undefined],
      [null],
      ['alice'],
      [{}],
      [{ username: 42 }],
      [{ username: '   ' }],
    ])('ignores a body without a usable username: %p', (body) =>
      expect(submittedUsername(body)).toBeUndefined(),
    );

    it('normalises like the user lookup, so case and spaces do not make new budgets', () => {
      expect(submittedUsername({ username: 'Trader1' })).toBe(
        submittedUsername({ username: ' trader1 ' }),
      );
    });
  });

  describe(refreshSession.name, () => {
    it('takes the session id before the dot', () => {
      expect(refreshSession({ refresh_token: 'AbC_-123.secret' })).toBe(
        'session:AbC_-123',
      );
    });

    it.each([
      [{}],
      [{ refresh_token: 'no-dot' }],
      [{ refresh_token: '.secret' }],
      [{ refresh_token: 'a b.c' }],
      [{ refresh_token: 7 }],
    ])('skips a malformed token: %p', (body) =>
      expect(refreshSession(body)).toBeUndefined(),
    );
  });

  describe(budgetFor.name, () => {
    it('uses the shared budget without @RateLimit, or when it only names the user', () => {
      expect(budgetFor(RateLimitCounter.Ip, shared, undefined, config)).toBe(
        shared,
      );
      expect(
        budgetFor(
          RateLimitCounter.User,
          shared,
          { scope: 'A.b', options: { userKey: refreshSession } },
          config,
        ),
      ).toBe(shared);
    });

    it('gives a route with limits its own budget, filling gaps with the defaults', () => {
      const route = { scope: 'A.b', options: { user: 5 } };
      expect(budgetFor(RateLimitCounter.User, shared, route, config)).toEqual({
        limit: 5,
        ttlMs: 60_000,
        scope: 'A.b',
      });
      expect(budgetFor(RateLimitCounter.Ip, shared, route, config)).toEqual({
        limit: 300,
        ttlMs: 60_000,
        scope: 'A.b',
      });
    });

    it('reads limits from the configuration and converts the window to milliseconds', () => {
      const route = {
        scope: 'A',
        options: {
          ip: (c: typeof config) => c.rateLimitLoginMax,
          windowSeconds: 2,
        },
      };
      expect(budgetFor(RateLimitCounter.Ip, shared, route, config)).toEqual({
        limit: 7,
        ttlMs: 2000,
        scope: 'A',
      });
    });
  });

  describe(storageKey.name, () => {
    it('separates scopes, counters and trackers', () => {
      const keys = new Set([
        storageKey('writes', RateLimitCounter.Ip, 'ip:1.2.3.4'),
        storageKey('writes', RateLimitCounter.User, 'ip:1.2.3.4'),
        storageKey('A.login', RateLimitCounter.Ip, 'ip:1.2.3.4'),
        storageKey('writes', RateLimitCounter.Ip, 'ip:1.2.3.5'),
      ]);
      expect(keys.size).toBe(4);
      expect(
        storageKey(
          'writes',
          RateLimitCounter.User,
          'username:' + 'x'.repeat(10_000),
        ).length,
      ).toBe(43);
    });
  });

  describe(retryAfterSeconds.name, () => {
    it.each([
      [0, 1],
      [-3, 1],
      [0.2, 1],
      [1, 1],
      [1.01, 2],
      [59.5, 60],
      [Number.NaN, 1],
    ])('turns %p s into %p', (input, expected) =>
      expect(retryAfterSeconds(input)).toBe(expected),
    );
  });
});
