import { BudgetReport, rateLimitHeaders } from './rate-limit-headers';

function report(
  name: string,
  limit: number,
  remaining: number,
  resetMs: number,
  windowSeconds = 60,
): BudgetReport {
  return {
    name,
    limit,
    windowSeconds,
    state: {
      count: limit - remaining,
      limit,
      remaining,
      resetMs,
      blocked: false,
    },
  };
}

describe(rateLimitHeaders.name, () => {
  it('lists every budget in RateLimit-Policy and reports the one closest to running out', () => {
    expect(
      rateLimitHeaders([
        report('ip', 300, 297, 40_200),
        report('user', 120, 100, 10_000),
      ]),
    ).toEqual({
      'RateLimit-Policy': '"ip";q=300;w=60, "user";q=120;w=60',
      RateLimit: '"user";r=100;t=10',
    });
  });

  it('prefers the longer wait between budgets with as few requests left', () => {
    expect(
      rateLimitHeaders([
        report('ip', 5, 0, 1_000),
        report('login-user', 3, 0, 30_000),
      ]).RateLimit,
    ).toBe('"login-user";r=0;t=30');
  });

  it('rounds t up and never beyond the window', () => {
    expect(rateLimitHeaders([report('ip', 5, 4, 1)]).RateLimit).toBe(
      '"ip";r=4;t=1',
    );
    expect(rateLimitHeaders([report('ip', 5, 4, 60_900, 60)]).RateLimit).toBe(
      '"ip";r=4;t=60',
    );
  });

  it('sends nothing when no budget applied', () => {
    expect(rateLimitHeaders([])).toEqual({});
  });
});
