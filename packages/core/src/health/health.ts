import { type Clock, systemClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { EventHub } from '../events/hub.js';
import type { EventListener, RampartEvent } from '../events/types.js';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkNumber,
  checkObject,
} from '../internal/validate.js';
import { validateName } from '../pipeline/pipeline.js';
import { defaultRegistry, type Registry } from '../pipeline/registry.js';
import type { Subscription } from '../types.js';
import { DEFAULT_HEALTH_NAME, HEALTH_DEFAULTS, type HealthCheck, type HealthOptions } from './options.js';
import {
  describeError,
  type HealthCheckReport,
  type HealthCheckResult,
  type HealthReport,
  type HealthState,
} from './report.js';

const WHERE = 'health';
const KNOWN = ['name', 'checks', 'critical', 'timeout', 'interval', 'history', 'registry', 'clock'] as const;
const CHECK_KNOWN = ['name', 'run', 'critical', 'timeout', 'interval'] as const;
const CONFIGURABLE = ['critical', 'timeout', 'interval', 'history'] as const;
const MAX_HISTORY = 1_000;

/** The monitor-wide options that `configure()` changes at run time. */
export type HealthConfig = Pick<HealthOptions, (typeof CONFIGURABLE)[number]>;

/** One check and what the monitor knows of it. */
class CheckState {
  readonly name: string;
  readonly run: HealthCheck['run'];
  /** The check's own settings; undefined follows the monitor's defaults. */
  readonly critical: boolean | undefined;
  readonly timeout: number | undefined;
  readonly interval: number | undefined;
  history: HealthCheckResult[] = [];
  inFlight: Promise<HealthCheckResult> | undefined;
  controller: AbortController | undefined;
  timer: unknown;
  timerSet = false;

  constructor(check: HealthCheck, where: string) {
    this.name = checkCheckName(`${where}.name`, check.name);
    this.run = checkFunction(WHERE, `${where}.run`, check.run);
    this.critical =
      check.critical === undefined ? undefined : checkBoolean(WHERE, `${where}.critical`, check.critical);
    this.timeout = check.timeout === undefined ? undefined : checkTimeout(`${where}.timeout`, check.timeout);
    this.interval =
      check.interval === undefined ? undefined : checkInterval(`${where}.interval`, check.interval);
  }

  get last(): HealthCheckResult | undefined {
    return this.history[this.history.length - 1];
  }
}

/**
 * Health checks of a service's dependencies, run on demand (`status()`) or in the
 * background (`start()`), with an overall verdict: `unhealthy` when a critical check
 * fails, `degraded` when only non-critical ones do, `healthy` otherwise.
 *
 * Registered in a registry (the default one unless told otherwise), so metrics adapters
 * export its status and status pages list it; `dispose()` stops it and unregisters it.
 */
export class HealthMonitor {
  readonly name: string;
  readonly #checks: readonly CheckState[];
  readonly #clock: Clock;
  readonly #registry: Registry | null;
  readonly #hub = new EventHub();
  #registration: Subscription | undefined;
  #critical: boolean;
  #timeout: number;
  #interval: number;
  #historySize: number;
  #started = false;
  /** Bumped by stop(): runs scheduled by an earlier start() must not reschedule themselves. */
  #generation = 0;
  #report: HealthReport | undefined;
  #dirty = false;
  /** Abort reasons of stop(): a run they ended is not a verdict on the dependency. */
  readonly #stopReasons = new WeakSet<object>();

  constructor(options: Partial<HealthOptions>) {
    checkObject(WHERE, options, KNOWN);
    this.name = validateName(options.name ?? DEFAULT_HEALTH_NAME, 'health: name');
    this.#clock = options.clock ?? systemClock;
    this.#critical = checkBoolean(WHERE, 'critical', options.critical ?? HEALTH_DEFAULTS.critical);
    this.#timeout = checkTimeout('timeout', options.timeout ?? HEALTH_DEFAULTS.timeout);
    this.#interval = checkInterval('interval', options.interval ?? HEALTH_DEFAULTS.interval);
    this.#historySize = checkHistory(options.history ?? HEALTH_DEFAULTS.history);
    this.#checks = checkChecks(options.checks);
    const registry = options.registry === undefined ? defaultRegistry : options.registry;
    if (registry !== null && !(typeof registry === 'object' && typeof registry.addHealth === 'function')) {
      throw new TypeError(`${WHERE}: registry must be a Registry or null`);
    }
    this.#registry = registry;
    this.#registration = registry?.addHealth(this);
  }

  /** The names of the checks, in the order given. */
  get checks(): readonly string[] {
    return this.#checks.map((c) => c.name);
  }

  /** Whether background checks run (between `start()` and `stop()`). */
  get running(): boolean {
    return this.#started;
  }

  /**
   * Runs every check now (a check already running is joined, not run twice) and resolves
   * to the report. Never rejects: a check that fails is part of the report.
   */
  async status(): Promise<HealthReport> {
    const results = await Promise.all(this.#checks.map((check) => this.#runCheck(check)));
    // Undefined only when stop() cut short the first run of a check: that run is not
    // recorded (it says nothing of the dependency), but this caller still gets an answer.
    return this.lastStatus() ?? this.#buildReport(results);
  }

  /**
   * The latest report, without running anything (for metrics gauges and cheap status
   * reads): undefined until every check has run once.
   */
  lastStatus(): HealthReport | undefined {
    if (this.#dirty) {
      this.#dirty = false;
      this.#report = this.#buildReport();
    }
    return this.#report;
  }

  /**
   * Runs every check once now, then each check with an `interval` again that long after its
   * previous run ended. The timers never keep the process alive. Calling it again while
   * started does nothing.
   */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    const generation = this.#generation;
    for (const check of this.#checks) {
      void this.#runCheck(check).then(() => this.#schedule(check, generation));
    }
    return this;
  }

  /** Stops background checks: clears every timer and aborts the checks that are running. */
  stop(): this {
    this.#started = false;
    this.#generation++;
    for (const check of this.#checks) {
      if (check.timerSet) this.#clock.clearTimeout(check.timer);
      check.timerSet = false;
      if (check.controller !== undefined) {
        const reason = new DOMException('health monitor stopped', 'AbortError');
        this.#stopReasons.add(reason);
        check.controller.abort(reason);
      }
      // A start() right after this must run the check afresh, not join the aborted run.
      check.inFlight = undefined;
      check.controller = undefined;
    }
    return this;
  }

  /** Stops the monitor and removes it from its registry. */
  dispose(): void {
    this.stop();
    this.#registration?.dispose();
    this.#registration = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Listens to this monitor's `health.check` events (they also go to its registry). */
  on(listener: EventListener): Subscription {
    return this.#hub.on(listener);
  }

  /**
   * Changes the monitor-wide defaults at run time (checks with their own setting keep it).
   * A new interval applies from each check's next run; history shrinks at once.
   */
  configure(options: Partial<HealthConfig>): void {
    checkObject(WHERE, options, CONFIGURABLE);
    // Validate everything before changing anything: a bad update leaves the monitor as it was.
    const critical =
      options.critical === undefined ? this.#critical : checkBoolean(WHERE, 'critical', options.critical);
    const timeout = options.timeout === undefined ? this.#timeout : checkTimeout('timeout', options.timeout);
    const interval =
      options.interval === undefined ? this.#interval : checkInterval('interval', options.interval);
    const history = options.history === undefined ? this.#historySize : checkHistory(options.history);
    const intervalChanged = interval !== this.#interval;
    this.#critical = critical;
    this.#timeout = timeout;
    this.#interval = interval;
    this.#historySize = history;
    for (const check of this.#checks) {
      if (check.history.length > history) check.history = check.history.slice(-history);
      // A check waiting out the old interval is rescheduled on the new one.
      if (intervalChanged && this.#started && check.interval === undefined && check.timerSet) {
        this.#clock.clearTimeout(check.timer);
        check.timerSet = false;
        this.#schedule(check, this.#generation);
      }
    }
    this.#dirty = this.#report !== undefined || this.#checks.every((c) => c.last !== undefined);
  }

  /** Live settings and the latest report (what `registry.snapshot()` shows). */
  snapshot(): HealthConfig & { readonly running: boolean; readonly report: HealthReport | undefined } {
    return {
      critical: this.#critical,
      timeout: this.#timeout,
      interval: this.#interval,
      history: this.#historySize,
      running: this.#started,
      report: this.lastStatus(),
    };
  }

  #schedule(check: CheckState, generation: number): void {
    if (!this.#started || generation !== this.#generation || check.timerSet) return;
    const interval = check.interval ?? this.#interval;
    if (interval === 0) return;
    check.timerSet = true;
    check.timer = this.#clock.setTimeout(() => {
      check.timerSet = false;
      void this.#runCheck(check).then(() => this.#schedule(check, generation));
    }, interval);
  }

  #runCheck(check: CheckState): Promise<HealthCheckResult> {
    if (check.inFlight !== undefined) return check.inFlight;
    const run = this.#execute(check).then((result) => {
      // stop() may have let go of this run, and a restart begun another: leave that one be.
      if (check.inFlight === run) {
        check.inFlight = undefined;
        check.controller = undefined;
      }
      this.#record(check, result);
      return result;
    });
    check.inFlight = run;
    return run;
  }

  /** One run of one check, bounded by its timeout. Resolves, never rejects. */
  #execute(check: CheckState): Promise<HealthCheckResult & { readonly cause?: unknown }> {
    const clock = this.#clock;
    const timeout = check.timeout ?? this.#timeout;
    const controller = new AbortController();
    check.controller = controller;
    const start = clock.now();
    return new Promise((resolve) => {
      let done = false;
      let timer: unknown;
      const bounded = timeout !== Number.POSITIVE_INFINITY;
      const finish = (ok: boolean, cause: unknown) => {
        if (done) return;
        done = true;
        if (bounded) clock.clearTimeout(timer);
        controller.signal.removeEventListener('abort', onAbort);
        const end = clock.now();
        const responseTimeMs = end - start;
        resolve(
          ok
            ? { ok, responseTimeMs, checkedAt: end }
            : { ok, responseTimeMs, error: describeError(cause), checkedAt: end, cause },
        );
      };
      // stop() aborts the signal: the run ends at once even if the probe ignores it.
      const onAbort = () => finish(false, controller.signal.reason);
      controller.signal.addEventListener('abort', onAbort, { once: true });
      if (bounded) {
        timer = clock.setTimeout(() => controller.abort(new TimeoutError(timeout)), timeout);
      }
      let pending: unknown;
      try {
        pending = check.run({ signal: controller.signal, name: check.name });
      } catch (error) {
        finish(false, error);
        return;
      }
      Promise.resolve(pending).then(
        (value) => (value === false ? finish(false, new CheckFailedError()) : finish(true, undefined)),
        (error: unknown) => finish(false, error),
      );
    });
  }

  #record(check: CheckState, result: HealthCheckResult & { readonly cause?: unknown }): void {
    const { cause } = result;
    const stored = strip(result);
    // Stopping is our doing, not the dependency's failure: no history entry, no event.
    if (!stored.ok && typeof cause === 'object' && cause !== null && this.#stopReasons.has(cause)) return;
    check.history.push(stored);
    if (check.history.length > this.#historySize) check.history.shift();
    this.#dirty = this.#report !== undefined || this.#checks.every((c) => c.last !== undefined);
    if (!this.#listening()) return;
    const critical = check.critical ?? this.#critical;
    const event: RampartEvent = {
      type: 'health.check',
      pipeline: this.name,
      policy: 'health',
      policyName: this.name,
      key: undefined,
      time: stored.checkedAt,
      check: check.name,
      critical,
      ok: stored.ok,
      duration: stored.responseTimeMs,
      error: stored.ok ? undefined : cause,
    };
    this.#hub.emit(event);
    this.#registry?.emit(event);
  }

  #listening(): boolean {
    return this.#hub.size > 0 || this.#registry?.listening === true;
  }

  /** The report from each check's latest recorded result (or, where none, from `fresh`). */
  #buildReport(fresh?: readonly HealthCheckResult[]): HealthReport {
    const checks: Record<string, HealthCheckReport> = {};
    let passed = 0;
    let failedCritical = false;
    let failedOther = false;
    let checkedAt = Number.NEGATIVE_INFINITY;
    for (const [i, check] of this.#checks.entries()) {
      const last = check.last ?? strip(fresh![i]!);
      const critical = check.critical ?? this.#critical;
      if (last.ok) passed++;
      else if (critical) failedCritical = true;
      else failedOther = true;
      checkedAt = Math.max(checkedAt, last.checkedAt);
      checks[check.name] = {
        ...last,
        critical,
        history: check.history.length > 0 ? [...check.history] : [last],
      };
    }
    const status: HealthState = failedCritical ? 'unhealthy' : failedOther ? 'degraded' : 'healthy';
    const availability = Math.round((passed / this.#checks.length) * 10_000) / 100;
    return { name: this.name, status, availability, checkedAt, checks };
  }
}

/** A run's result without the raw error that only events carry. */
function strip(result: HealthCheckResult & { readonly cause?: unknown }): HealthCheckResult {
  const { cause: _cause, ...stored } = result;
  return stored;
}

/** The failure of a check that resolved to `false`. */
export class CheckFailedError extends Error {
  constructor() {
    super('check reported failure (returned false)');
    this.name = 'CheckFailedError';
  }
}

/**
 * Creates a health monitor and registers it (in the default registry unless `registry`
 * says otherwise, or `null` for none).
 *
 * @example
 * const monitor = health({
 *   name: 'orders-service',
 *   checks: [
 *     { name: 'db', run: ({ signal }) => db.ping({ signal }), timeout: 1_000, interval: 15_000 },
 *     { name: 'search', run: () => search.ping(), critical: false, interval: 30_000 },
 *   ],
 * }).start();
 * const report = await monitor.status(); // { status: 'degraded', availability: 50, checks: { … } }
 */
export function health(options: Partial<HealthOptions> & Pick<HealthOptions, 'checks'>): HealthMonitor {
  return new HealthMonitor(options);
}

const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function checkCheckName(option: string, value: unknown): string {
  if (typeof value !== 'string' || !CHECK_NAME.test(value)) {
    throw new TypeError(
      `${WHERE}: ${option} must be 1-64 characters of letters, digits, '_', '.', ':' or '-', starting with a letter or digit; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkTimeout(option: string, value: unknown): number {
  return checkDuration(WHERE, option, value, { min: 1, allowInfinity: true });
}

function checkInterval(option: string, value: unknown): number {
  return checkDuration(WHERE, option, value);
}

function checkHistory(value: unknown): number {
  return checkNumber(WHERE, 'history', value, { min: 1, max: MAX_HISTORY, integer: true });
}

function checkChecks(checks: unknown): CheckState[] {
  if (!Array.isArray(checks) || checks.length === 0) {
    throw new TypeError(
      `${WHERE}: checks must be a non-empty array of { name, run, critical?, timeout?, interval? }`,
    );
  }
  const names = new Set<string>();
  return checks.map((check: unknown, i) => {
    const where = `checks[${i}]`;
    if (typeof check !== 'object' || check === null || Array.isArray(check)) {
      throw new TypeError(
        `${WHERE}: ${where} must be an object { name, run, critical?, timeout?, interval? }`,
      );
    }
    checkObject(`${WHERE}: ${where}`, check, CHECK_KNOWN);
    const state = new CheckState(check as HealthCheck, where);
    if (names.has(state.name)) {
      throw new TypeError(`${WHERE}: two checks are named "${state.name}"; check names must be unique`);
    }
    names.add(state.name);
    return state;
  });
}
