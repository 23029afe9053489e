import { type ConfigChange, watchConfig } from '@rampart/config';
import { type CircuitState, type HealthMonitor, health, type RampartEvent, Registry } from '@rampart/core';
import { type PrometheusEndpoint, startPrometheus } from '@rampart/otel/prometheus';
import type { DemoOptions } from './cli.js';
import { KNOWN_USERS, SYSTEMS, type SystemName } from './dependencies/records.js';
import { DependencyServer } from './dependencies/server.js';
import { cycleLengthOf } from './faults/script.js';
import { LoadGenerator } from './load/generator.js';
import { buildPipelines, demoEnv, PIPELINES } from './pipelines.js';
import {
  findGeneratedRulesDir,
  findOnPath,
  findRuleFiles,
  launchPrometheus,
  type RunningPrometheus,
} from './prometheus/launcher.js';
import { seededRandom } from './random.js';
import { AuditService } from './service/server.js';
import { formatElapsed, formatPhaseChange, formatTransition, renderSummary } from './view/render.js';
import { LiveStats } from './view/stats.js';
import { TerminalView } from './view/terminal.js';

/** Where the demo writes, and what it reads its environment from. */
export interface DemoIO {
  readonly out: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number | undefined };
  readonly err: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Non-critical checks make the service `degraded`, critical ones `unhealthy` (503). */
const CRITICAL: Readonly<Record<SystemName, boolean>> = { hr: true, directory: true, sso: false };

/**
 * The whole demo, started and stopped as one: three dependency servers on their fault
 * scripts, a pipeline per dependency (thresholds from `@rampart/config`), metrics on a
 * Prometheus endpoint, the audit service with `/status` and `/health`, a load generator,
 * the terminal view and, if asked, a local Prometheus.
 *
 * `stop()` undoes everything `start()` did, in reverse order, whatever failed on the way:
 * the process is then left with no timer, socket or child process of the demo.
 */
export class Demo {
  readonly registry = new Registry();
  readonly seed: number;
  readonly #options: DemoOptions;
  readonly #io: DemoIO;
  readonly #startedAt = performance.now();
  readonly #stats = new LiveStats();
  readonly #dependencies = new Map<SystemName, DependencyServer>();
  readonly #cleanups: { what: string; run: () => unknown }[] = [];
  #view: TerminalView | undefined;
  #load: LoadGenerator | undefined;
  #service: AuditService | undefined;
  #metrics: PrometheusEndpoint | undefined;
  #prometheus: RunningPrometheus | undefined;
  #stopping: Promise<void> | undefined;
  #configFile: string | undefined;

  private constructor(options: DemoOptions, io: DemoIO) {
    this.#options = options;
    this.#io = io;
    this.seed = options.seed ?? Math.floor(Math.random() * 0xffff_ffff);
  }

  /**
   * Starts everything and resolves once the service answers. Bad configuration (a
   * `ConfigError` naming every bad `RAMPART_*` variable), a port in use or a Prometheus that
   * cannot start reject, after whatever had started is stopped again.
   */
  static async start(options: DemoOptions, io: DemoIO): Promise<Demo> {
    const demo = new Demo(options, io);
    try {
      await demo.#start();
    } catch (error) {
      await demo.#cleanup();
      throw error;
    }
    return demo;
  }

  get serviceUrl(): string {
    return this.#service!.url;
  }

  get metricsUrl(): string {
    return this.#metrics!.url;
  }

  get prometheusUrl(): string | undefined {
    return this.#prometheus?.url;
  }

  /** ms since the demo started. */
  get elapsed(): number {
    return performance.now() - this.#startedAt;
  }

  /** Stops everything (idempotent) and prints the final summary; `why` is said first. */
  stop(why?: string): Promise<void> {
    this.#stopping ??= (async () => {
      if (why !== undefined) {
        // The live view owns the screen: say it there, not in the middle of its frame.
        if (this.#view?.mode === 'live')
          this.#view.event(`[${formatElapsed(this.elapsed).padStart(8)}] ${why}: stopping`);
        else this.#io.err.write(`\ndemo: ${why}, stopping…\n`);
      }
      await this.#cleanup();
      this.#io.out.write(`\n${this.summary().join('\n')}\n`);
    })();
    return this.#stopping;
  }

  /** Totals per pipeline, the traffic, and what each dependency did. */
  summary(): string[] {
    return renderSummary(
      this.elapsed,
      this.#stats.names.map((name) => this.#stats.live(name)),
      this.#load?.counts,
      [...this.#dependencies.values()].map((d) => ({ system: d.system, counts: { ...d.counts } })),
    );
  }

  async #start(): Promise<void> {
    const options = this.#options;
    const io = this.#io;
    // 1. Configuration first: a bad variable stops the demo before anything starts. With
    //    RAMPART_CONFIG_FILE, editing that file re-tunes the live policies (state kept).
    const watcher = watchConfig({
      pipelines: PIPELINES,
      env: demoEnv(io.env),
      registry: this.registry,
      // No SIGHUP reload: a closed terminal sends SIGHUP, and the demo should end then.
      signal: null,
      onChange: (change) => this.#view?.event(describeReload(this.elapsed, change)),
      onError: (error) =>
        this.#view?.event(
          `[${formatElapsed(this.elapsed).padStart(8)}] config reload rejected, running values kept: ${(error as Error)?.message ?? error}`,
        ),
    });
    this.#cleanups.push({ what: 'config watcher', run: () => watcher.dispose() });
    this.#configFile = watcher.file;
    const config = watcher.current;
    for (const warning of config.warnings)
      io.err.write(`rampart config: ${warning.variable}: ${warning.message}\n`);

    // 2. The event stream feeds the live view: numbers per pipeline, and notable events.
    const subscription = this.registry.on((event) => this.#onEvent(event));
    this.#cleanups.push({ what: 'event listener', run: () => subscription.dispose() });

    // 3. The dependencies, each on its own fault script, staggered by a third of a cycle
    //    so that they do not all fail at once. Each has its own dice (seeded from the run's
    //    seed), so the n-th request to a dependency meets the same fate in a replay.
    const third = cycleLengthOf(options.phases) / SYSTEMS.length;
    for (const [i, system] of SYSTEMS.entries()) {
      const server = await DependencyServer.start({
        system,
        phases: options.phases,
        offset: i * third,
        startedAt: this.#startedAt,
        now: () => performance.now(),
        random: seededRandom(this.seed + i + 1),
        onPhase: (name, phase, previous) =>
          this.#view?.event(formatPhaseChange(this.elapsed, name, previous, phase)),
      });
      this.#dependencies.set(system, server);
      this.#cleanups.push({ what: `${system} server`, run: () => server.close() });
    }
    const urls = Object.fromEntries(SYSTEMS.map((s) => [s, this.#dependencies.get(s)!.url])) as Record<
      SystemName,
      string
    >;

    // 4. A pipeline per dependency, and health checks that ping each one.
    const pipelines = buildPipelines(() => watcher.current, this.registry, urls);
    for (const name of PIPELINES) {
      const breaker = this.registry.get(name)?.policies.find((p) => p.kind === 'circuit_breaker');
      this.#stats.track(name, (breaker?.snapshot() as { state?: CircuitState } | undefined)?.state);
    }
    const monitor: HealthMonitor = health({
      name: 'dependencies',
      registry: this.registry,
      ...config.health,
      checks: SYSTEMS.map((system) => ({
        name: system,
        critical: CRITICAL[system],
        run: async ({ signal }: { signal: AbortSignal }) => {
          const response = await fetch(`${urls[system]}/ping`, { signal });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`${system} answered HTTP ${response.status}`);
        },
      })),
    });
    monitor.start();
    this.#cleanups.push({ what: 'health monitor', run: () => monitor.dispose() });

    // 5. Metrics: every pipeline and the health monitor, on a Prometheus endpoint.
    const metricsHost = io.env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || options.host;
    this.#metrics = await startPrometheus({
      registry: this.registry,
      serviceName: io.env.OTEL_SERVICE_NAME?.trim() || 'rampart-demo',
      host: metricsHost,
      env: io.env,
      ...(options.metricsPort === undefined ? {} : { port: options.metricsPort }),
    });
    const metrics = this.#metrics;
    this.#cleanups.push({ what: 'metrics endpoint', run: () => metrics.shutdown() });

    // 6. The service.
    this.#service = await AuditService.start({
      host: options.host,
      port: options.port,
      sources: pipelines.sources,
      status: () => ({
        ...this.registry.snapshot(),
        dependencies: Object.fromEntries(
          [...this.#dependencies].map(([name, d]) => {
            const at = d.phase();
            return [name, { url: d.url, phase: at.phase, next_phase_in_ms: Math.round(at.remaining) }];
          }),
        ),
        uptime_ms: Math.round(this.elapsed),
      }),
      health: () => monitor.lastStatus() ?? monitor.status(),
      // The audit answers in time even when a system's retries are still waiting.
      auditTimeout: options.auditTimeout,
    });
    const service = this.#service;
    this.#cleanups.push({ what: 'audit service', run: () => closeService(service) });

    // 7. A local Prometheus, if asked and installed.
    if (options.prometheus) await this.#startPrometheus(metrics.url);

    // 8. The view, then traffic.
    this.#view = new TerminalView({
      out: io.out,
      mode: options.quiet ? 'quiet' : io.out.isTTY === true && !options.plain ? 'live' : 'plain',
      colour: io.env.NO_COLOR === undefined || io.env.NO_COLOR === '',
      interval: options.interval,
      model: () => ({
        elapsed: this.elapsed,
        serviceUrl: service.url,
        metricsUrl: metrics.url,
        prometheusUrl: this.#prometheus?.url,
        rate: options.traffic ? options.rate : undefined,
        windowSeconds: this.#stats.windowSeconds,
        pipelines: this.#stats.names.map((name) => this.#stats.live(name)),
        dependencies: [...this.#dependencies.values()].map((d) => ({ system: d.system, at: d.phase() })),
        load: this.#load?.counts,
      }),
    });
    const view = this.#view;
    this.#cleanups.push({ what: 'terminal view', run: () => view.stop() });
    if (options.traffic) {
      const load = new LoadGenerator({
        target: service.url,
        rate: options.rate,
        users: KNOWN_USERS,
        random: seededRandom(this.seed),
      });
      this.#load = load;
      this.#cleanups.push({ what: 'load generator', run: () => load.stop() });
    }
    this.#printBanner(config.enabled);
    view.start();
    this.#load?.start();
  }

  async #startPrometheus(metricsUrl: string): Promise<void> {
    const io = this.#io;
    const options = this.#options;
    const binary = findOnPath('prometheus', io.env.PATH ?? '');
    if (binary === undefined) {
      io.err.write(
        'prometheus: no `prometheus` binary on PATH, so none was started (the demo runs without it).\n' +
          '  Install one (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus;\n' +
          '  or https://prometheus.io/download/), or run the full stack: see otel-collector/README.md.\n',
      );
      return;
    }
    const ruleFiles = findRuleFiles(findGeneratedRulesDir());
    if (ruleFiles.length === 0) {
      io.err.write(
        'prometheus: no generated rule files found in dashboards/generated; starting without alert rules\n' +
          '  (generate them with: pnpm --filter @rampart/dashboards build)\n',
      );
    }
    const target = new URL(metricsUrl);
    const running = await launchPrometheus({
      binary,
      port: options.prometheusPort,
      target: `${target.hostname === '0.0.0.0' ? '127.0.0.1' : target.host}`,
      ruleFiles,
      scrapeInterval: '5s',
    });
    this.#prometheus = running;
    this.#cleanups.push({ what: 'prometheus', run: () => running.stop() });
  }

  #printBanner(enabled: boolean): void {
    const { out } = this.#io;
    const o = this.#options;
    const lines = [
      `rampart demo · seed ${this.seed} (replay with --seed ${this.seed})`,
      `  service     ${this.serviceUrl}/audit/ada   ${this.serviceUrl}/status   ${this.serviceUrl}/health`,
      `  metrics     ${this.metricsUrl}`,
    ];
    if (this.#prometheus !== undefined) {
      lines.push(
        `  prometheus  ${this.#prometheus.url}  (alerts: ${this.#prometheus.url}/alerts, ${this.#prometheus.ruleFiles.length} rule file(s))`,
      );
    }
    lines.push(
      `  faults      ${o.phases.map((p) => `${p.phase} ${p.duration / 1_000}s`).join(' → ')} (looping; staggered per dependency)`,
      `  traffic     ${o.traffic ? `${o.rate} audits/s` : 'off (--no-traffic)'}${o.duration === undefined ? '' : ` · stopping after ${o.duration / 1_000}s`}`,
    );
    if (this.#configFile !== undefined) {
      lines.push(`  config      ${this.#configFile} (watched: edit it to re-tune the live policies)`);
    }
    if (!enabled)
      lines.push('  RAMPART_ENABLED=false: the kill switch is on, calls go straight to the dependencies');
    out.write(`${lines.join('\n')}\n\n`);
  }

  #onEvent(event: RampartEvent): void {
    this.#stats.record(event);
    if (event.type === 'circuit.transition') {
      const phase = this.#dependencies.get(event.pipeline as SystemName)?.phase().phase;
      this.#view?.event(
        formatTransition(this.elapsed, event.pipeline, event.from, event.to, event.reason, phase),
      );
    }
  }

  /** Undoes what started, newest first; a step that fails is reported and the rest still run. */
  async #cleanup(): Promise<void> {
    while (this.#cleanups.length > 0) {
      const step = this.#cleanups.pop()!;
      try {
        await step.run();
      } catch (error) {
        this.#io.err.write(`demo: stopping the ${step.what} failed: ${(error as Error)?.message ?? error}\n`);
      }
    }
  }
}

/** One line for the view: which policies a reloaded configuration re-tuned. */
function describeReload(elapsed: number, change: ConfigChange): string {
  const stamp = `[${formatElapsed(elapsed).padStart(8)}]`;
  if (change.applied.length === 0) return `${stamp} config reloaded: nothing changed`;
  const what = change.applied.map((a) => `${a.pipeline}.${a.name} ${JSON.stringify(a.options)}`).join('; ');
  return `${stamp} config reloaded: ${what}`;
}

/** Closes the service; requests still open after 2 s have their connections dropped. */
async function closeService(service: AuditService): Promise<void> {
  const timer = setTimeout(() => service.closeAllConnections(), 2_000);
  try {
    await service.close();
  } finally {
    clearTimeout(timer);
  }
}
