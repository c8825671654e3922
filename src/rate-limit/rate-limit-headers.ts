import type { WindowState } from './store/rate-limit-store';

/** One budget a request was checked against, as the headers describe it. */
export interface BudgetReport {
  /** Policy name in the headers: "ip", "user", "login-ip", "login-user", "device". */
  name: string;
  limit: number;
  windowSeconds: number;
  state: WindowState;
}

/** Whole seconds until the window ends: at least 0, never beyond the window. */
export function secondsUntilReset(report: BudgetReport): number {
  return Math.min(
    report.windowSeconds,
    Math.max(0, Math.ceil(report.state.resetMs / 1000)),
  );
}

/** The budget closest to running out: fewest requests left, then the longest wait. */
export function tightest(reports: readonly BudgetReport[]): BudgetReport {
  return reports.reduce((best, report) =>
    report.state.remaining < best.state.remaining ||
    (report.state.remaining === best.state.remaining &&
      report.state.resetMs > best.state.resetMs)
      ? report
      : best,
  );
}

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy` lists every budget that applied to the request,
 * `RateLimit` reports the one closest to running out.
 *
 * @example
 * rateLimitHeaders([{ name: 'ip', limit: 300, windowSeconds: 60, state }])
 * // { 'RateLimit-Policy': '"ip";q=300;w=60', RateLimit: '"ip";r=297;t=41' }
 */
export function rateLimitHeaders(
  reports: readonly BudgetReport[],
): Record<string, string> {
  if (reports.length === 0) return {};
  const closest = tightest(reports);
  return {
    'RateLimit-Policy': reports
      .map((r) => `"${r.name}";q=${r.limit};w=${r.windowSeconds}`)
      .join(', '),
    RateLimit: `"${closest.name}";r=${closest.state.remaining};t=${secondsUntilReset(closest)}`,
  };
}
