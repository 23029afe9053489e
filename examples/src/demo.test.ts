import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from './prometheus/launcher.js';

/**
 * The demo as a user runs it: the built `examples/dist/demo.js`, spawned with node, on a
 * short fault cycle and ephemeral ports. Everything is awaited on what the demo prints or
 * serves (never on fixed sleeps), with generous deadlines, so a loaded machine only makes
 * it slower, not flaky.
 */

const examples = dirname(dirname(fileURLToPath(import.meta.url)));
const demoJs = join(examples, 'dist', 'demo.js');

beforeAll(() => {
  // Build the demo and the packages it references (the same as `pnpm exec tsc -b`, limited
  // to what the demo needs).
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', join(examples, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`tsc -b examples failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
}, 180_000);

/** A running demo process and what it has printed so far. */
class DemoProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--enable-source-maps', demoJs, ...args], {
      env: {
        ...process.env,
        // Ephemeral ports everywhere, and no inherited RAMPART_* or DEMO_* settings.
        ...Object.fromEntries(
          Object.keys(process.env)
            .filter((k) => k.startsWith('RAMPART_') || k.startsWith('DEMO_'))
            .map((k) => [k, '']),
        ),
        PORT: '0',
        OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    running.push(this);
  }

  /** Resolves with the first match of `find` in stdout (checked as output arrives). */
  async waitFor(
    find: RegExp | ((stdout: string) => RegExpExecArray | null),
    what: string,
    timeout = 60_000,
  ): Promise<RegExpExecArray> {
    const deadline = performance.now() + timeout;
    for (;;) {
      const match = typeof find === 'function' ? find(this.stdout) : find.exec(this.stdout);
      if (match !== null) return match;
      if (this.child.exitCode !== null) {
        throw new Error(`the demo exited (${this.child.exitCode}) before ${what}\n${this.output()}`);
      }
      if (performance.now() > deadline) throw new Error(`no ${what} after ${timeout} ms\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` and resolves with how the process ended. */
  async stop(
    signal: NodeJS.Signals,
    timeout = 15_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still running ${timeout} ms after ${signal}\n${this.output()}`)),
        timeout,
      );
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-6_000)}\n--- stderr\n${this.stderr.slice(-3_000)}`;
  }
}

const running: DemoProcess[] = [];
afterEach(async () => {
  // A failed test must not leave a demo behind, nor the Prometheus it started: ask it to
  // stop first (it stops its children), and kill it only if it does not.
  for (const demo of running.splice(0)) {
    if (demo.child.exitCode !== null || demo.child.signalCode !== null) continue;
    await demo.stop('SIGTERM').catch(async () => {
      demo.child.kill('SIGKILL');
      await demo.exited;
    });
  }
}, 30_000);

async function getJson(url: string): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

/** Retries `check` until it passes (or throws its last failure after `timeout`). */
async function eventually(check: () => Promise<void>, timeout = 30_000): Promise<void> {
  const deadline = performance.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const PIPELINES = ['hr', 'directory', 'sso'];

describe('pnpm demo', () => {
  it('serves metrics, status and health; a circuit opens in the outage and closes after recovery; SIGINT stops it cleanly', async () => {
    const demo = new DemoProcess(['--seed', '7', '--interval', '1', '--duration', '120'], {
      // A short cycle: hr (whose script starts first) is in its outage 3.5-6 s after start.
      DEMO_PHASES: 'healthy=1.5s,latency=1s,errors=1s,outage=2.5s,recovery=2.5s',
      DEMO_RATE: '40',
      // Thresholds tuned through @rampart/config, as an operator would: a circuit that
      // opens after three failures in a row and probes every 400 ms.
      RAMPART_BREAKER_KIND: 'consecutive',
      RAMPART_BREAKER_THRESHOLD: '3',
      RAMPART_BREAKER_OPEN_FOR: '400ms',
      RAMPART_HEALTH_INTERVAL: '300ms',
    });

    const service = (await demo.waitFor(/service\s+(http:\/\/\S+)\/audit\/ada/, 'service URL'))[1]!;
    const metrics = (await demo.waitFor(/metrics\s+(http:\/\/\S+\/metrics)/, 'metrics URL'))[1]!;

    // /status: every pipeline's live snapshot, as JSON.
    const status = await getJson(`${service}/status`);
    expect(status.status).toBe(200);
    expect(status.type).toMatch(/^application\/json/);
    const snapshot = status.body as {
      pipelines: Record<string, { policies: { kind: string; state: unknown }[] }>;
      dependencies: Record<string, { phase: string }>;
    };
    expect(Object.keys(snapshot.pipelines).sort()).toEqual([...PIPELINES].sort());
    for (const name of PIPELINES) {
      expect(snapshot.pipelines[name]!.policies.map((p) => p.kind)).toContain('circuit_breaker');
      expect(snapshot.dependencies[name]!.phase).toMatch(/^(healthy|latency|errors|outage|recovery)$/);
    }

    // /health: the health checks' report, as JSON, 200 unless a critical check fails.
    const health = await getJson(`${service}/health`);
    expect(health.type).toMatch(/^application\/json/);
    const report = health.body as {
      status: string;
      checks: Record<string, { ok: boolean; critical: boolean }>;
    };
    expect(['healthy', 'degraded', 'unhealthy']).toContain(report.status);
    expect(health.status).toBe(report.status === 'unhealthy' ? 503 : 200);
    expect(Object.keys(report.checks).sort()).toEqual([...PIPELINES].sort());

    // The audit itself answers with what it found and which systems answered.
    const audit = await getJson(`${service}/audit/ken`);
    expect(audit.body).toMatchObject({
      user: 'ken',
      systems_available: expect.any(Array),
      systems_failed: expect.any(Array),
    });

    // A circuit opens while its dependency is in the outage phase (or re-opens, if an error
    // burst opened it just before), and closes again once the dependency has recovered.
    const opened = await demo.waitFor(
      /circuit (\w+): (?:closed|half_open) -> open \(\w+\) phase=outage/,
      'circuit opening in an outage',
    );
    const pipeline = opened[1]!;
    const closed = new RegExp(
      `circuit ${pipeline}: half_open -> closed \\(\\w+\\) phase=(recovery|healthy)`,
      'g',
    );
    await demo.waitFor((stdout) => {
      closed.lastIndex = opened.index + opened[0].length; // only after that opening
      return closed.exec(stdout);
    }, `circuit ${pipeline} closing after recovery`);

    // The metrics endpoint has series for all three pipelines, the circuit's opening included.
    const exposition = await (await fetch(metrics, { signal: AbortSignal.timeout(10_000) })).text();
    for (const name of PIPELINES) {
      expect(exposition, `call series of ${name}`).toMatch(
        new RegExp(`^rampart_call_duration\\w*_count\\{[^}]*rampart_pipeline="${name}"`, 'm'),
      );
      expect(exposition, `circuit state of ${name}`).toMatch(
        new RegExp(`^rampart_circuit_state\\{[^}]*rampart_pipeline="${name}"`, 'm'),
      );
    }
    const transitions = exposition
      .split('\n')
      .filter(
        (line) =>
          line.startsWith('rampart_circuit_transitions') && line.includes(`rampart_pipeline="${pipeline}"`),
      );
    expect(transitions.some((l) => l.includes('rampart_circuit_to="open"') && !/ 0$/.test(l))).toBe(true);
    expect(transitions.some((l) => l.includes('rampart_circuit_to="closed"') && !/ 0$/.test(l))).toBe(true);

    // Ctrl-C: everything closes, the summary is printed, exit code 0, within seconds.
    const ended = await demo.stop('SIGINT');
    expect(ended, demo.output()).toEqual({ code: 0, signal: null });
    expect(demo.stdout).toContain('rampart demo stopped after');
    expect(demo.stdout).toMatch(new RegExp(`^${pipeline}\\s+\\d+`, 'm'));
    expect(demo.stderr).toContain('SIGINT, stopping');
    // Nothing was left open to hold the process (the demo reports that if it happens).
    expect(demo.stderr).not.toMatch(/still running|failed/);
    await expect(fetch(`${service}/status`)).rejects.toThrow();
  }, 150_000);

  it.skipIf(findOnPath('prometheus') === undefined)(
    '--prometheus starts a Prometheus on loopback with the alert rules, and SIGTERM stops it too',
    async () => {
      const demo = new DemoProcess(['--prometheus', '--prometheus-port', '0', '--no-traffic', '--quiet']);
      const prometheus = (
        await demo.waitFor(/prometheus\s+(http:\/\/127\.0\.0\.1:\d+)/, 'Prometheus URL')
      )[1]!;
      const metrics = (await demo.waitFor(/metrics\s+http:\/\/(\S+)\/metrics/, 'metrics URL'))[1]!;
      const rules = (await getJson(`${prometheus}/api/v1/rules`)).body as {
        data: { groups: { rules: { type: string; name: string }[] }[] };
      };
      const alerts = rules.data.groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting');
      expect(alerts.map((a) => a.name)).toContain('RampartCircuitOpen');
      // Prometheus discovers its targets a moment after it is ready: ask until it has.
      await eventually(async () => {
        const targets = (await getJson(`${prometheus}/api/v1/targets`)).body as {
          data: { activeTargets: { scrapeUrl: string }[] };
        };
        expect(targets.data.activeTargets.map((t) => t.scrapeUrl)).toContain(`http://${metrics}/metrics`);
      });

      const ended = await demo.stop('SIGTERM');
      expect(ended, demo.output()).toEqual({ code: 0, signal: null });
      await expect(fetch(`${prometheus}/-/ready`)).rejects.toThrow();
    },
    90_000,
  );

  it.skipIf(findOnPath('prometheus') === undefined)(
    'a demo killed outright (SIGKILL, no chance to clean up) does not leave its Prometheus behind',
    async () => {
      const demo = new DemoProcess(['--prometheus', '--prometheus-port', '0', '--no-traffic', '--quiet']);
      const prometheus = (
        await demo.waitFor(/prometheus\s+(http:\/\/127\.0\.0\.1:\d+)/, 'Prometheus URL')
      )[1]!;
      const flags = (await getJson(`${prometheus}/api/v1/status/flags`)).body as {
        data: Record<string, string>;
      };
      const dataDir = dirname(flags.data['config.file']!);
      try {
        demo.child.kill('SIGKILL');
        await demo.exited;
        await eventually(async () => {
          await expect(fetch(`${prometheus}/-/ready`)).rejects.toThrow();
        });
      } finally {
        // Nobody was left to remove it: the test does.
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );

  it('says clearly when no prometheus binary is installed (or a variable is misspelt), and runs on', async () => {
    const demo = new DemoProcess(['--prometheus', '--no-traffic', '--duration', '1'], {
      PATH: '/nonexistent',
      RAMPART_RETRY_MAX_ATEMPTS: '2',
    });
    const ended = await demo.exited;
    expect(ended, demo.output()).toEqual({ code: 0, signal: null });
    expect(demo.stderr).toMatch(/no `prometheus` binary on PATH, so none was started/);
    expect(demo.stderr).toMatch(/RAMPART_RETRY_MAX_ATEMPTS: .*RAMPART_RETRY_MAX_ATTEMPTS/);
    expect(demo.stdout).toContain('rampart demo stopped after');
  }, 60_000);

  it('answers --help, and refuses bad flags and bad RAMPART_* variables with exit code 2', async () => {
    const help = new DemoProcess(['--help']);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.stdout).toMatch(/--duration <s>[\s\S]*--no-traffic[\s\S]*--prometheus/);

    const flag = new DemoProcess(['--rate', 'fast']);
    expect(await flag.exited).toEqual({ code: 2, signal: null });
    expect(flag.stderr).toContain('--rate: "fast" is not a request rate');

    const config = new DemoProcess(['--no-traffic'], {
      RAMPART_HR_RETRY_MAX_ATTEMPTS: 'many',
      RAMPART_TIMEOUT_AFTER: '-5s',
    });
    expect(await config.exited).toEqual({ code: 2, signal: null });
    expect(config.stderr).toContain('RAMPART_HR_RETRY_MAX_ATTEMPTS');
    expect(config.stderr).toContain('RAMPART_TIMEOUT_AFTER');

    // A port in use: a clear message, exit code 1, and nothing left running to hold the
    // process (it ends by itself once what had started is stopped again).
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const busy = new DemoProcess(['--no-traffic'], { PORT: String(port) });
      expect(await busy.exited).toEqual({ code: 1, signal: null });
      expect(busy.stderr).toContain(`audit service: port ${port} is in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 60_000);
});
