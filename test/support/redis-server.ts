import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from './server-process';
import { sleep, waitFor } from './test-app';
import Redis from 'ioredis';

/**
 * A private `redis-server` on a free port, so a test can kill it (SIGKILL, as
 * a crash) and start it again on the same port without touching the shared
 * Redis on 6379.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    return RedisServer.startOn(await freePort());
  }

  /** On a port chosen by the test (e.g. one an instance is already trying to reach). */
  static async startOn(port: number): Promise<RedisServer> {
    const server = new RedisServer(port);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => this.ping(), 10_000, 50);
  }

  /** SIGKILL: the server vanishes without closing its connections politely. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** A client of this server, for assertions; the caller quits it. */
  client(): Redis {
    return new Redis(this.url, { lazyConnect: false });
  }

  private async ping(): Promise<boolean> {
    const probe = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      await sleep(10);
      return false;
    } finally {
      probe.disconnect();
    }
  }
}
