import { TOTP, URI } from 'otpauth';
import { sleep } from './test-app';

const PERIOD_MS = 30_000;

/**
 * An authenticator app, as a user has one: it reads the `otpauth_uri` the
 * server handed out (issuer, label, algorithm, digits, period and secret
 * from the URI alone) and shows codes. `next()` gives a code of a time step
 * it has not shown before, waiting for the clock when the steps the server
 * accepts (±1) are used up, so the server's replay protection never
 * refuses a code a test means to be good.
 */
export class Authenticator {
  readonly totp: TOTP;
  private lastStep = -Infinity;

  constructor(readonly uri: string) {
    const parsed = URI.parse(uri);
    if (!(parsed instanceof TOTP)) throw new Error(`not a TOTP URI: ${uri}`);
    this.totp = parsed;
  }

  static step(atMs = Date.now()): number {
    return Math.floor(atMs / PERIOD_MS);
  }

  /** The code of the step the clock is in, whether or not it was shown before. */
  now(): string {
    return this.codeOf(Authenticator.step());
  }

  /** A code of an unused step the server accepts now (this step or the next). */
  async next(): Promise<string> {
    const step = Math.max(Authenticator.step(), this.lastStep + 1);
    while (step > Authenticator.step() + 1) {
      // Both accepted steps are used: wait for the next one to begin.
      await sleep(PERIOD_MS - (Date.now() % PERIOD_MS) + 50);
    }
    this.lastStep = step;
    return this.codeOf(step);
  }

  /** Six digits that are none of the codes the server accepts now: a wrong code. */
  wrong(): string {
    const now = Authenticator.step();
    const accepted = new Set(
      [now - 1, now, now + 1, now + 2].map((s) => this.codeOf(s)),
    );
    for (let candidate = Number(this.now()); ; candidate++) {
      const code = String(candidate % 1_000_000).padStart(6, '0');
      if (!accepted.has(code)) return code;
    }
  }

  private codeOf(step: number): string {
    return this.totp.generate({ timestamp: step * PERIOD_MS });
  }
}
