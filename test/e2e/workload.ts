/**
 * The scripted workload of the end-to-end test: a service of two instances, each with its
 * own registry of rampart pipelines and health monitor, instrumented by `@rampart/otel`'s
 * `startPrometheus` on a free loopback port, calling an in-process dependency that goes
 * through healthy → failing → outage → recovery. Every policy kind is in play so that every
 * metric, panel and recording rule has something to show.
 */
import {
  BulkheadRejectedError,
  backoff,
  breakers,
  bulkhead,
  chaos,
  circuitBreaker,
  fallback,
  type HealthMonitor,
  health,
  hedge,
  type Pipeline,
  pipeline,
  RateLimitedError,
  Registry,
  rateLimit,
  retry,
  retryBudget,
  timeout,
} from '@rampart/core';
import { type PrometheusEndpoint, startPrometheus } from '@rampart/otel/prometheus';

export const PHASES = ['healthy', 'failing', 'outage', 'recovery'] as const;
export type Phase = (typeof PHASES)[number];

/** The dependency answered with an error (a 5xx, say). */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}
/** The dependency is down: nothing listens. */
export class ConnectionRefusedError extends Error {
  override readonly name = 'ConnectionRefusedError';
}

/** The pipeline that holds every policy kind (the drill-down dashboard looks at it). */
export const FULL_PIPELINE = 'payments';
/** A second, simpler pipeline: the overview aggregates pipelines side by side. */
export const SIMPLE_PIPELINE = 'search';
export const HEALTH_MONITOR = 'dependencies';

/** Milliseconds to wait, or less if `signal` aborts (then it rejects with the signal's reason). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The fake dependency: how it answers depends on the current phase. */
export class Dependency {
  phase: Phase = 'healthy';

  async call(signal: AbortSignal): Promise<string> {
    const dice = Math.random();
    switch (this.phase) {
      case 'healthy':
      case 'recovery':
        await wait(3 + Math.random() * 9, signal);
        if (dice < 0.01) throw new UpstreamError('503 from upstream');
        return 'ok';
      case 'failing':
        if (dice < 0.12) {
          // Slow: past the 100 ms timeout and the breaker's 80 ms slow-call duration.
          await wait(150 + Math.random() * 100, signal);
          return 'slow ok';
        }
        await wait(5 + Math.random() * 25, signal);
        if (dice < 0.4) throw new UpstreamError('503 from upstream');
        return 'ok';
      case 'outage':
        await wait(1, signal);
        throw new ConnectionRefusedError('connect ECONNREFUSED');
    }
  }
}

/** One process of the service: its registry, pipelines, health monitor and metrics endpoint. */
export class Instance {
  readonly registry: Registry;
  readonly payments: Pipeline;
  readonly search: Pipeline;
  readonly monitor: HealthMonitor;
  readonly #dependency: Dependency;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();
  #endpoint: PrometheusEndpoint | undefined;

  private constructor(dependency: Dependency) {
    this.#dependency = dependency;
    this.registry = new Registry();
    const registry = this.registry;
    const budget = retryBudget({ ratio: 0.2, minPerSecond: 2, window: 5_000 });
    const shed = (error: unknown) =>
      error instanceof RateLimitedError || error instanceof BulkheadRejectedError;
    this.payments = pipeline(
      FULL_PIPELINE,
      [
        fallback({ value: 'cached', handles: shed }),
        rateLimit({ rate: 45, interval: 1_000, burst: 10 }),
        bulkhead({ limit: 4, queue: 2, queueTimeout: 40 }),
        circuitBreaker({
          breaker: breakers.count({
            size: 20,
            failureRatio: 0.5,
            minimumCalls: 10,
            slowCallDuration: 80,
            slowCallRatio: 0.9,
          }),
          openFor: 1_500,
          halfOpen: { probes: 1, successes: 2, maxWait: 1_000 },
        }),
        retry({ maxAttempts: 3, backoff: backoff.constant(10), budget }),
        hedge({ delay: 40, maxHedges: 1, budget }),
        timeout(100),
        chaos({ enabled: true, rate: 0.05, latency: 3 }),
      ],
      { registry },
    );
    this.search = pipeline(
      SIMPLE_PIPELINE,
      [
        fallback({ lastGood: { ttl: 60_000 } }),
        retry({ maxAttempts: 2, backoff: backoff.constant(5) }),
        timeout(100),
      ],
      { registry },
    );
    this.monitor = health({
      name: HEALTH_MONITOR,
      registry,
      interval: 500,
      timeout: 200,
      checks: [
        { name: 'payments-api', critical: true, run: () => dependency.phase !== 'outage' },
        { name: 'search-cache', critical: false, run: () => dependency.phase !== 'failing' },
      ],
    });
  }

  /** Builds the instance and serves its metrics on a free port of 127.0.0.1. */
  static async start(serviceName: string, dependency: Dependency): Promise<Instance> {
    const instance = new Instance(dependency);
    instance.monitor.start();
    instance.#endpoint = await startPrometheus({
      registry: instance.registry,
      serviceName,
      port: 0,
      host: '127.0.0.1',
      env: {},
    });
    return instance;
  }

  /** `host:port` for Prometheus' scrape config. */
  get target(): string {
    if (this.#endpoint === undefined) throw new Error('instance not started');
    return new URL(this.#endpoint.url).host;
  }

  /** Fires one call through each pipeline (not awaited; tracked until it settles). */
  tick(): void {
    this.#track(
      this.payments.execute(({ signal }) => this.#dependency.call(signal), { signal: this.#stop.signal }),
    );
    this.#track(
      this.search.execute(({ signal }) => this.#dependency.call(signal), {
        signal: this.#stop.signal,
        key: 'query',
      }),
    );
  }

  /** A burst of concurrent payments calls: fills the bulkhead's queue and drains the bucket. */
  burst(calls: number): void {
    for (let i = 0; i < calls; i++) {
      this.#track(
        this.payments.execute(({ signal }) => this.#dependency.call(signal), { signal: this.#stop.signal }),
      );
    }
  }

  #track(call: Promise<unknown>): void {
    // Outcomes are the point of the workload, not errors of the test: settle and forget.
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
  }

  /** Aborts calls in flight and waits for them, stops the monitor, shuts the endpoint down. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('workload stopped'));
    await Promise.all([...this.#inFlight]);
    this.monitor.stop();
    this.monitor.dispose();
    await this.#endpoint?.shutdown();
  }
}

export interface PhaseTimes {
  readonly phase: Phase;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
}

/**
 * Runs the phases on every instance: one call per pipeline every `tickMs`, and a burst of
 * concurrent calls every `burstEveryMs`. Returns when each phase started and ended.
 */
export async function runPhases(
  instances: readonly Instance[],
  dependency: Dependency,
  schedule: readonly { readonly phase: Phase; readonly ms: number }[],
  { tickMs = 25, burstEveryMs = 2_000, burstSize = 14 } = {},
): Promise<PhaseTimes[]> {
  const times: PhaseTimes[] = [];
  const ticker = setInterval(() => {
    for (const instance of instances) instance.tick();
  }, tickMs);
  const burster = setInterval(() => {
    for (const instance of instances) instance.burst(burstSize);
  }, burstEveryMs);
  try {
    for (const { phase, ms } of schedule) {
      dependency.phase = phase;
      const start = Date.now() / 1_000;
      await new Promise((resolve) => setTimeout(resolve, ms));
      times.push({ phase, start, end: Date.now() / 1_000 });
    }
  } finally {
    clearInterval(ticker);
    clearInterval(burster);
  }
  return times;
}
