import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, Interface } from 'node:readline';

export type Verdict =
  { ok: true; kid: string; sub: string } | { ok: false; code: string };

/**
 * jose-verifier-process.mjs in a Node process of its own (createRemoteJWKSet +
 * jwtVerify with issuer, audience and algorithms): the independent check
 * of this service's tokens that an outside service would make.
 */
export class JoseVerifier {
  private readonly pending: Array<(verdict: Verdict) => void> = [];

  private constructor(
    private readonly child: ChildProcess,
    lines: Interface,
  ) {
    lines.on('line', (line) =>
      this.pending.shift()?.(JSON.parse(line) as Verdict),
    );
  }

  static start(options: {
    jwksUrl: string;
    alg: string;
    cacheMs: number;
    issuer?: string;
    audience?: string;
  }): JoseVerifier {
    const child = spawn(
      process.execPath,
      [
        join(__dirname, 'jose-verifier-process.mjs'),
        options.jwksUrl,
        options.issuer ?? 'trading-auth',
        options.audience ?? 'trading-api',
        options.alg,
        String(options.cacheMs),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    return new JoseVerifier(child, createInterface({ input: child.stdout }));
  }

  verify(token: string): Promise<Verdict> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child.stdin!.write(`${token}\n`);
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
