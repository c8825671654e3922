import { loadConfig } from '../config/load-config';
import { RateLimitCounter } from './rate-limit.constants';
import {
  Budget,
  budgetFor,
  failedLoginLimits,
  retryAfterSeconds,
  storageKey,
  trackerOf,
  UserKeyOf,
} from './rate-limit.policy';

const accountOf: UserKeyOf = (body) =>
  typeof body === 'object' && body !== null && 'account' in body
    ? `account:${String(body.account)}`
    : undefined;

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
        body: { account: 'other' },
      };
      expect(trackerOf(RateLimitCounter.User, request, accountOf)).toBe(
        'user:42',
      );
    });

    it("uses the route's userKey without a principal, and skips the user counter without either", () => {
      expect(
        trackerOf(RateLimitCounter.User, { body: { account: 7 } }, accountOf),
      ).toBe('account:7');
      // Login and refresh: no principal, no userKey; their user is charged once known.
      expect(
        trackerOf(RateLimitCounter.User, { body: { username: 'alice' } }),
      ).toBeUndefined();
    });
  });

  describe(failedLoginLimits.name, () => {
    it('lets RATE_LIMIT_LOGIN_MAX make login stricter than the general limits, never looser', () => {
      const limits = (login: number, ip: number, user: number) =>
        failedLoginLimits({
          rateLimitLoginMax: login,
          rateLimitIpMax: ip,
          rateLimitUserMax: user,
        });
      expect(limits(10, 300, 120)).toEqual({ address: 10, account: 10 });
      expect(limits(100_000, 5, 3)).toEqual({ address: 5, account: 3 });
      expect(limits(50, 300, 20)).toEqual({ address: 50, account: 20 });
    });
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
          { scope: 'A.b', options: { userKey: accountOf } },
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
