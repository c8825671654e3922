import { BudgetReport, rateLimitHeaders } from './rate-limit-headers';

/** Where the headers go: Fastify's reply fits. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/**
 * The budgets one write request was checked against, collected as they are
 * charged (the global guard charges the address and the user; login and
 * refresh charge more once they know whom the request is about). Each
 * record rewrites the RateLimit headers on the reply, so whatever answers
 * the request, a 200, a 401 or a 429, carries them.
 */
export class RateLimitLedger {
  private readonly reports: BudgetReport[] = [];

  constructor(private readonly reply: HeaderSink) {}

  record(report: BudgetReport): void {
    const same = this.reports.findIndex((r) => r.name === report.name);
    if (same >= 0) this.reports[same] = report;
    else this.reports.push(report);
    this.writeHeaders();
  }

  /** The request's slot in budget `name` was given back (a successful login). */
  refunded(name: string): void {
    const report = this.reports.find((r) => r.name === name);
    if (report === undefined || report.state.blocked) return;
    report.state = {
      ...report.state,
      count: report.state.count - 1,
      remaining: Math.min(report.limit, report.state.remaining + 1),
    };
    this.writeHeaders();
  }

  get all(): readonly BudgetReport[] {
    return this.reports;
  }

  private writeHeaders(): void {
    for (const [name, value] of Object.entries(rateLimitHeaders(this.reports)))
      this.reply.header(name, value);
  }
}

/** Set on write requests by the global rate-limit guard. */
export interface WithRateLimitLedger {
  rateLimit?: RateLimitLedger | null;
}
