import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `--prometheus`: starts the `prometheus` binary (when one is on PATH) on loopback,
 * scraping the demo's metrics endpoint with the alert and recording rules that
 * `@rampart/dashboards` generates, and stops it (and removes its data) on exit.
 */

/** The first executable called `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here (or not executable): keep looking along PATH.
    }
  }
  return undefined;
}

/** The repository folder holding `dashboards/generated`, searched upwards from this file. */
export function findGeneratedRulesDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dashboards', 'generated');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Prometheus rule files (YAML with top-level `groups:`) under `dir`, recursively, sorted. */
export function findRuleFiles(dir: string | undefined): string[] {
  if (dir === undefined || !existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name) && /^groups:/m.test(readFileSync(full, 'utf8')))
        found.push(resolve(full));
    }
  };
  walk(dir);
  return found.sort();
}

export interface PrometheusConfigOptions {
  /** `host:port` of the demo's metrics endpoint. */
  readonly target: string;
  readonly ruleFiles: readonly string[];
  /** @defaultValue '5s' */
  readonly scrapeInterval?: string;
  /** Value of the `job` label. @defaultValue 'rampart-demo' */
  readonly job?: string;
}

/** A minimal Prometheus configuration: scrape the demo, evaluate the rules. */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = options.scrapeInterval ?? '5s';
  const lines = [
    '# Written by the rampart demo (--prometheus); removed when the demo stops.',
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
  ];
  if (options.ruleFiles.length > 0) {
    lines.push('rule_files:');
    for (const file of options.ruleFiles) lines.push(`  - ${JSON.stringify(file)}`);
  }
  lines.push(
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.job ?? 'rampart-demo')}`,
    '    static_configs:',
    `      - targets: [${JSON.stringify(options.target)}]`,
  );
  return `${lines.join('\n')}\n`;
}

export interface LaunchOptions extends PrometheusConfigOptions {
  /** The binary to run. */
  readonly binary: string;
  /** Web UI port on 127.0.0.1 (0: any free port). */
  readonly port: number;
  /** Longest wait for `/-/ready` (ms). @defaultValue 30_000 */
  readonly readyTimeout?: number;
}

export interface RunningPrometheus {
  readonly url: string;
  /** Its configuration and data, removed by `stop()`. */
  readonly dir: string;
  readonly ruleFiles: readonly string[];
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts Prometheus and resolves once it answers `/-/ready`; rejects with its last log lines if it cannot start. */
export async function launchPrometheus(options: LaunchOptions): Promise<RunningPrometheus> {
  const port = options.port === 0 ? await freePort() : options.port;
  const dir = await mkdtemp(join(tmpdir(), 'rampart-demo-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options));
  const child = spawnTied(options.binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
  ]);
  const log: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log.push(...chunk.split('\n').filter((l) => l !== ''));
    if (log.length > 20) log.splice(0, log.length - 20);
  });
  // If the demo exits without stopping us (process.exit, an uncaught error), take it along.
  const killOnExit = () => killTree(child, 'SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(child, exited);
    process.off('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, exited, options.readyTimeout ?? 30_000, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dir, ruleFiles: options.ruleFiles, stop };
}

async function waitReady(
  url: string,
  child: ChildProcess,
  exited: Promise<void>,
  timeout: number,
  log: readonly string[],
): Promise<void> {
  const deadline = performance.now() + timeout;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (performance.now() < deadline) {
    if (gone) {
      throw new Error(
        `prometheus exited (code ${child.exitCode ?? child.signalCode}) before it was ready:\n  ${log.join('\n  ')}`,
      );
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus was not ready after ${timeout} ms:\n  ${log.join('\n  ')}`);
}

/**
 * Starts `binary` so that it cannot outlive the demo, even when the demo is killed with
 * SIGKILL (no exit handler runs then): on POSIX a small `sh` holds it and a reader on the
 * pipe from the demo; when that pipe closes — `stop()`, or the demo's death — the reader
 * sends Prometheus SIGTERM. Its own process group keeps a terminal's Ctrl-C and hang-up
 * for the demo, which stops it in order.
 */
function spawnTied(binary: string, args: readonly string[]): ChildProcess {
  if (process.platform === 'win32') {
    return spawn(binary, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  // fd 3 keeps the pipe: a background job's own stdin is /dev/null in a non-interactive sh.
  const script =
    'exec 3<&0 </dev/null; "$0" "$@" 3<&- & p=$!; { read -r _ <&3; kill -TERM "$p" 2>/dev/null; } & wait "$p"';
  const child = spawn('/bin/sh', ['-c', script, binary, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  // The shell may be gone before we close the pipe (Prometheus exited on its own).
  child.stdin?.on('error', () => {});
  return child;
}

/** Sends `signal` to the child and everything it started (its process group on POSIX). */
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // Closing the pipe makes the shell's reader send SIGTERM (see spawnTied).
    if (child.stdin !== null) child.stdin.end();
    else child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 5_000);
    });
    try {
      if ((await Promise.race([exited, late])) === 'late') {
        killTree(child, 'SIGKILL');
        await exited;
      }
    } finally {
      clearTimeout(timer);
    }
  }
  // Prometheus exited on its own: its reader still waits on the pipe; let it go too.
  child.stdin?.destroy();
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
