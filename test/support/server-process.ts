import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_JWT_ALGORITHM, TEST_JWT_SECRET, waitFor } from './test-app';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const MAIN = join(__dirname, '../../src/main.ts');

/** `src/main.ts` with the fixtures' feature modules (orders, the idempotency probe). */
export const FIXTURE_SERVER = join(__dirname, 'fixture-server.ts');

/** `script` (src/main.ts) in a child process, its stdout and stderr collected together. */
function spawnMain(
  env: Record<string, string>,
  script = MAIN,
): {
  child: ChildProcess;
  output: () => string;
} {
  let output = '';
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', script],
    {
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'silent',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/**
 * The server as operators run it: `src/main.ts` in a process of its own. Used
 * where a test needs a second instance on the same database (passport keeps
 * its strategies in a process-wide registry, so two instances in one process
 * would share one login strategy) and to watch start-up fail.
 */
export class ServerProcess {
  private exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly output: () => string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** `script`: src/main.ts, or FIXTURE_SERVER for the fixtures' routes too. */
  static async start(
    env: Record<string, string>,
    script = MAIN,
  ): Promise<ServerProcess> {
    const port = await freePort();
    const { child, output } = spawnMain(
      {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_ALGORITHM: TEST_JWT_ALGORITHM,
        PORT: String(port),
        ...env,
      },
      script,
    );
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, output);
    // A server that did not come up must not outlive the test as an orphan.
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`server exited with ${child.exitCode}: ${output()}`);
        return fetch(`${server.url}/health`)
          .then((r) => r.ok)
          .catch(() => false);
      },
      // Generous: on two cores busy with other suites a start can take long.
      60_000,
      100,
    ).catch(async (error: unknown) => {
      await server.kill();
      throw error;
    });
    return server;
  }

  /**
   * Runs the server with `env` and waits for it to exit on its own; returns
   * its exit code and output. One that is still running after `timeoutMs`
   * (it came up instead of failing) is killed, so it fails the test instead
   * of outliving it.
   */
  static async runToExit(
    env: Record<string, string>,
    timeoutMs = 90_000,
  ): Promise<{ code: number | null; output: string }> {
    const { child, output } = spawnMain({ PORT: '0', ...env });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', resolve),
    );
    clearTimeout(timer);
    return { code, output: output() };
  }

  get(path: string, token?: string): Promise<{ status: number; body: any }> {
    return this.request('GET', path, { token });
  }

  post(
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: any }> {
    return this.request('POST', path, { body, token });
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined)
      headers['content-type'] = 'application/json';
    const response = await fetch(this.url + path, {
      method,
      headers,
      body:
        options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
    };
  }

  get wsUrl(): string {
    return this.url.replace('http', 'ws');
  }

  /** SIGKILL: the instance dies without shutting anything down. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as an orchestrator sends it; resolves with how the process ended. */
  async stop(): Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
