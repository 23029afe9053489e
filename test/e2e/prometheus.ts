/**
 * A real Prometheus for the end-to-end test: started from the `prometheus` binary on a
 * free loopback port with its own temporary data directory, queried through its HTTP API,
 * and stopped (process killed, directory removed) by `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** One series of a query result: its labels and its samples as [unix seconds, value]. */
export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

export interface PrometheusOptions {
  /** `scrape_configs` of the Prometheus config. */
  readonly scrapeConfigs: readonly Record<string, unknown>[];
  /** The rules file's content (YAML). */
  readonly rules: string;
  /** Scrape and rule-evaluation interval. */
  readonly interval: string;
}

/** The path of `prometheus`, or an error saying how to install it. */
export function prometheusBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      'the end-to-end test needs the `prometheus` binary: install Debian\'s "prometheus" package ' +
        '(apt-get install prometheus); scripts/install-and-test.sh does it in CI.',
    );
  }
  return path;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PrometheusServer {
  readonly url: string;
  readonly #process: ChildProcess;
  readonly #dir: string;
  #log = '';
  #exited: number | null = null;

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#process = child;
    this.#dir = dir;
    child.stdout?.on('data', (chunk: Buffer) => this.#append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#append(chunk));
    child.once('exit', (code, signal) => {
      this.#exited = code ?? (signal === null ? -1 : 128);
    });
  }

  /** Starts Prometheus and waits until it is ready; a port taken in between is retried. */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const binary = prometheusBinary();
    let lastError: unknown;
    for (let tries = 0; tries < 3; tries++) {
      const dir = mkdtempSync(join(tmpdir(), 'rampart-e2e-prometheus-'));
      writeFileSync(join(dir, 'rules.yml'), options.rules);
      writeFileSync(
        join(dir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: options.interval, evaluation_interval: options.interval },
          rule_files: ['rules.yml'],
          scrape_configs: options.scrapeConfigs,
        }),
      );
      const port = await freePort();
      const child = spawn(
        binary,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
      try {
        await server.#waitReady(30_000);
        return server;
      } catch (error) {
        lastError = error;
        await server.stop();
      }
    }
    throw lastError;
  }

  /** What Prometheus logged, for failure messages. */
  get log(): string {
    return this.#log;
  }

  #append(chunk: Buffer): void {
    // Keep the tail only: enough to explain a failure, bounded in memory.
    this.#log = (this.#log + chunk.toString('utf8')).slice(-20_000);
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exited !== null) throw new Error(`prometheus exited with ${this.#exited}:\n${this.#log}`);
      try {
        const response = await fetch(`${this.url}/-/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`prometheus was not ready after ${timeoutMs} ms:\n${this.#log}`);
  }

  async #api<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    }
    const response = await fetch(`${this.url}${path}`, { method: 'POST', body });
    const json = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (json.status !== 'success') {
      throw new Error(`${path} failed: ${json.errorType ?? ''} ${json.error ?? response.statusText}`);
    }
    return json.data;
  }

  /** A range query (what a Grafana time-series panel sends). */
  async queryRange(query: string, start: number, end: number, step: number): Promise<Series[]> {
    const data = await this.#api<{ result: Series[] }>('/api/v1/query_range', {
      query,
      start: String(start),
      end: String(end),
      step: String(step),
    });
    return data.result;
  }

  /** An instant query at `time` (what a Grafana table panel sends). */
  async query(query: string, time: number): Promise<Series[]> {
    const data = await this.#api<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>('/api/v1/query', { query, time: String(time) });
    if (data.resultType !== 'vector') return [];
    return data.result.map((r) => ({ metric: r.metric, values: [r.value] }));
  }

  /** Values of `label` on series matching `selector` (Grafana's `label_values`). */
  async labelValues(label: string, selector: string, start: number, end: number): Promise<string[]> {
    const response = await fetch(
      `${this.url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({
        'match[]': selector,
        start: String(start),
        end: String(end),
      })}`,
    );
    const json = (await response.json()) as { status: string; data: string[]; error?: string };
    if (json.status !== 'success') throw new Error(`label values of ${label} for ${selector}: ${json.error}`);
    return json.data;
  }

  /** The loaded rule groups with each rule's health. */
  async rules(): Promise<
    { name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[]
  > {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const json = (await response.json()) as { data: { groups: never[] } };
    return json.data.groups;
  }

  /** Scrape targets with their health. */
  async targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]> {
    const response = await fetch(`${this.url}/api/v1/targets?state=active`);
    const json = (await response.json()) as { data: { activeTargets: never[] } };
    return json.data.activeTargets;
  }

  /** Kills the process, waits for it to exit, removes the data directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.#exited === null) {
      const exited = new Promise<void>((resolve) => this.#process.once('exit', () => resolve()));
      this.#process.kill('SIGTERM');
      const forced = setTimeout(() => this.#process.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
