import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process';
import { waitFor } from './test-app';

/** The rules file operators load, loaded by the real Prometheus here too. */
export const RULES_FILE = join(
  __dirname,
  '../../docs/operations/prometheus-rules.yml',
);

/** The Grafana dashboard operators import; its queries run against the real Prometheus here. */
export const DASHBOARD_FILE = join(
  __dirname,
  '../../docs/operations/grafana-dashboard.json',
);

/** One sample line of the text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** `GET /metrics` of a metrics listener: status, content type and body. */
export async function scrape(
  url: string,
): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

/**
 * The samples of an exposition, parsed independently of prom-client: names,
 * label pairs (with the format's three escapes) and values.
 */
export function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const pairs = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (const [, key, raw] of (match[3] ?? '').matchAll(pairs))
      labels[key] = raw.replace(/\\(["\\n])/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

/** The value of the one sample with that name and those labels, or undefined. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(
        ([key, value]) => sample.labels[key] === value,
      ),
  )?.value;
}

/** Runs a promtool command with `input` on stdin; resolves with its exit code and output. */
export function promtool(
  args: string[],
  input = '',
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    // No promtool on the machine is a failure, never a skip: CI installs it.
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/**
 * A real `prometheus` (Debian's package) on a free port, scraping `targets`
 * every second with the operators' rules file loaded, its data in a
 * temporary directory that goes with it.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(targets: string[]): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'auth-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${JSON.stringify(RULES_FILE)}`,
        'scrape_configs:',
        '  - job_name: trading-auth',
        '    static_configs:',
        `      - targets: ${JSON.stringify(targets)}`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    let output = '';
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    const server = new PrometheusServer(
      child,
      dir,
      `http://127.0.0.1:${port}`,
      () => output,
    );
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`prometheus exited: ${output}`);
        return fetch(`${server.url}/-/ready`)
          .then((r) => r.ok)
          .catch(() => false);
      },
      30_000,
      100,
    ).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    // Ready is not scraping yet: wait until every target has been scraped once.
    await waitFor(
      async () =>
        (await server.targetHealth()).filter((h) => h === 'up').length ===
        targets.length,
      30_000,
      200,
    ).catch(async (error: unknown) => {
      const health = await server.targetHealth().catch(() => []);
      await server.stop();
      throw new Error(
        `${String(error)}: targets ${JSON.stringify(health)}; ${output}`,
      );
    });
    return server;
  }

  /** The health (`up`, `down`, `unknown`) of each active scrape target. */
  async targetHealth(): Promise<string[]> {
    const response = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await response.json()) as {
      data: { activeTargets: Array<{ health: string }> };
    };
    return body.data.activeTargets.map((target) => target.health);
  }

  /** An instant query through the HTTP API: each result's labels and value. */
  async query(
    expr: string,
  ): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const response = await fetch(
      `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: {
        resultType: string;
        result: Array<{
          metric: Record<string, string>;
          value: [number, string];
        }>;
      };
    };
    if (body.status !== 'success')
      throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result.map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The value of a query that yields one series, or undefined when it yields none. */
  async scalar(expr: string): Promise<number | undefined> {
    const results = await this.query(expr);
    if (results.length > 1)
      throw new Error(`query ${expr} gave ${results.length} series`);
    return results[0]?.value;
  }

  /** The rule groups as Prometheus loaded and evaluated them. */
  async rules(): Promise<
    Array<{
      name: string;
      rules: Array<{ name: string; health: string; lastError?: string }>;
    }>
  > {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: {
        groups: Array<{
          name: string;
          rules: Array<{ name: string; health: string; lastError?: string }>;
        }>;
      };
    };
    return body.data.groups;
  }

  logs(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
