import type { Clock } from '../clock.js';
import type { Registry } from '../pipeline/registry.js';

/** What a check's `run` receives. */
export interface HealthCheckContext {
  /** Aborted when the check's timeout elapses or the monitor stops: end the probe then. */
  readonly signal: AbortSignal;
  /** The check's name. */
  readonly name: string;
}

/** One health check: a probe of one dependency. */
export interface HealthCheck {
  /** Names the check in reports, events and metrics (a low-cardinality label). */
  readonly name: string;
  /**
   * The probe. The check passes when it returns (or resolves to) anything but `false`,
   * and fails when it throws, rejects, resolves to `false`, or runs past `timeout`.
   */
  readonly run: (ctx: HealthCheckContext) => unknown;
  /** A failing critical check makes the monitor `unhealthy`; a non-critical one, `degraded`. */
  readonly critical?: boolean;
  /** Longest run (ms); then the check fails with a `TimeoutError` and its signal aborts. */
  readonly timeout?: number;
  /** Run this often (ms) after `start()`; 0 runs it on demand (and once at `start()`). */
  readonly interval?: number;
}

export interface HealthOptions {
  /** Names the monitor in the registry, in events (as their `pipeline`) and in metrics. */
  readonly name: string;
  readonly checks: readonly HealthCheck[];
  /** Default `critical` of checks that do not set their own. */
  readonly critical: boolean;
  /** Default `timeout` (ms) of checks that do not set their own. */
  readonly timeout: number;
  /** Default `interval` (ms) of checks that do not set their own. */
  readonly interval: number;
  /** Results kept per check in its `history`. */
  readonly history: number;
  /**
   * Where to register the monitor (for metrics adapters and status pages); `null` for none.
   * @defaultValue the default registry
   */
  readonly registry: Registry | null;
  readonly clock: Clock;
}

/** Defaults of each health check; `@rampart/config` builds its schema from this object. */
export const HEALTH_DEFAULTS = {
  /** @defaultValue true */
  critical: true,
  /** @defaultValue 5_000 (ms) */
  timeout: 5_000,
  /** @defaultValue 0 (ms: run on demand only) */
  interval: 0,
  /** @defaultValue 10 (results kept per check) */
  history: 10,
} as const satisfies Partial<HealthOptions>;

/** The name of a monitor created without one. */
export const DEFAULT_HEALTH_NAME = 'health';
