import type { Attributes, BatchObservableResult } from '@opentelemetry/api';
import type { AnyPolicy, HealthMonitor, Pipeline, Registry } from '@rampart/core';
import {
  ATTR_CIRCUIT_STATE,
  ATTR_HEALTH_CHECK,
  ATTR_HEALTH_CRITICAL,
  ATTR_HEALTH_STATUS,
  ATTR_PIPELINE,
  ATTR_POLICY,
  CIRCUIT_STATES,
  HEALTH_STATUSES,
} from './constants.js';
import type { GaugeInstruments } from './instruments.js';

/** Reports a failure of the instrumentation itself (never of the protected call). */
export type ErrorReporter = (error: unknown, context: string) => void;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Pre-built attributes of one policy's gauges (policies of a pipeline never change). */
interface PolicyGauges {
  readonly policy: AnyPolicy;
  readonly attrs: Attributes;
  /** Circuit breakers: attributes per state, in CIRCUIT_STATES order. */
  readonly states: readonly Attributes[] | undefined;
}

/**
 * Reads live state (circuit state and ratios, bulkhead occupancy, rate-limit tokens,
 * health) for the observable gauges, in one batch callback. A policy whose snapshot throws
 * loses its own series for that collection, not everybody's.
 */
export class LiveState {
  readonly #base: Attributes;
  readonly #registry: Registry;
  readonly #gauges: GaugeInstruments;
  readonly #report: ErrorReporter;
  readonly #pipelines = new Map<string, { pipeline: Pipeline; policies: readonly PolicyGauges[] }>();
  readonly #health = new Map<string, Map<string, Attributes>>();

  constructor(base: Attributes, registry: Registry, gauges: GaugeInstruments, report: ErrorReporter) {
    this.#base = base;
    this.#registry = registry;
    this.#gauges = gauges;
    this.#report = (error, context) => {
      try {
        report(error, context);
      } catch {
        // The user's onError failed too: swallowing its error is what keeps the other
        // policies' gauges in this collection (a throw here would cost the whole batch).
      }
    };
  }

  add(pipeline: Pipeline): void {
    const policies: PolicyGauges[] = [];
    for (const policy of pipeline.policies) {
      if (policy.kind !== 'circuit_breaker' && policy.kind !== 'bulkhead' && policy.kind !== 'rate_limit') {
        continue;
      }
      const attrs = Object.freeze({
        ...this.#base,
        [ATTR_PIPELINE]: pipeline.name,
        [ATTR_POLICY]: policy.name,
      });
      const states =
        policy.kind === 'circuit_breaker'
          ? CIRCUIT_STATES.map((state) => Object.freeze({ ...attrs, [ATTR_CIRCUIT_STATE]: state }))
          : undefined;
      policies.push({ policy, attrs, states });
    }
    this.#pipelines.set(pipeline.name, { pipeline, policies });
  }

  remove(pipeline: Pipeline): void {
    if (this.#pipelines.get(pipeline.name)?.pipeline === pipeline) this.#pipelines.delete(pipeline.name);
  }

  /** The batch observable callback. */
  readonly observe = (result: BatchObservableResult): void => {
    for (const { pipeline, policies } of this.#pipelines.values()) {
      for (const p of policies) {
        try {
          this.#observePolicy(result, p);
        } catch (error) {
          this.#report(
            error,
            `reading the state of policy "${p.policy.name}" in pipeline "${pipeline.name}"`,
          );
        }
      }
    }
    this.#observeHealth(result);
  };

  #observePolicy(result: BatchObservableResult, p: PolicyGauges): void {
    const g = this.#gauges;
    const s = p.policy.snapshot() as Record<string, unknown> | undefined;
    if (s === undefined || s === null) return;
    switch (p.policy.kind) {
      case 'circuit_breaker': {
        const states = p.states ?? [];
        for (let i = 0; i < CIRCUIT_STATES.length; i++) {
          result.observe(g.circuitState, s.state === CIRCUIT_STATES[i] ? 1 : 0, states[i]);
        }
        if (finite(s.failureRatio)) result.observe(g.circuitFailureRatio, s.failureRatio, p.attrs);
        if (finite(s.slowCallRatio)) result.observe(g.circuitSlowCallRatio, s.slowCallRatio, p.attrs);
        return;
      }
      case 'bulkhead':
        if (finite(s.active)) result.observe(g.bulkheadActive, s.active, p.attrs);
        if (finite(s.queued)) result.observe(g.bulkheadQueued, s.queued, p.attrs);
        if (finite(s.limit)) result.observe(g.bulkheadLimit, s.limit, p.attrs);
        return;
      case 'rate_limit':
        if (finite(s.tokens)) result.observe(g.rateLimitTokens, s.tokens, p.attrs);
        return;
      default:
        return;
    }
  }

  #observeHealth(result: BatchObservableResult): void {
    let monitors: readonly HealthMonitor[];
    try {
      monitors = this.#registry.healthMonitors();
    } catch (error) {
      this.#report(error, 'listing health monitors');
      return;
    }
    const seen = new Set<string>();
    for (const monitor of monitors) {
      seen.add(monitor.name);
      try {
        this.#observeMonitor(result, monitor);
      } catch (error) {
        this.#report(error, `reading the status of health monitor "${monitor.name}"`);
      }
    }
    // Monitors that left the registry drop their cached attributes.
    for (const name of this.#health.keys()) if (!seen.has(name)) this.#health.delete(name);
  }

  /** Reads the last report only: collecting metrics never runs a check. */
  #observeMonitor(result: BatchObservableResult, monitor: HealthMonitor): void {
    const report = monitor.lastStatus();
    if (report === undefined) return;
    let cache = this.#health.get(monitor.name);
    if (cache === undefined) {
      cache = new Map();
      this.#health.set(monitor.name, cache);
    }
    for (const value of HEALTH_STATUSES) {
      const attrs = this.#attrs(cache, `status:${value}`, monitor.name, { [ATTR_HEALTH_STATUS]: value });
      result.observe(this.#gauges.healthStatus, report.status === value ? 1 : 0, attrs);
    }
    for (const [name, check] of Object.entries(report.checks)) {
      const critical = check.critical ? 'true' : 'false';
      const attrs = this.#attrs(cache, `check:${critical}:${name}`, monitor.name, {
        [ATTR_HEALTH_CHECK]: name,
        [ATTR_HEALTH_CRITICAL]: critical,
      });
      result.observe(this.#gauges.healthCheckUp, check.ok ? 1 : 0, attrs);
    }
  }

  // Collection runs every scrape interval, not per call: a string key here is fine.
  #attrs(cache: Map<string, Attributes>, key: string, monitor: string, extra: Attributes): Attributes {
    let attrs = cache.get(key);
    if (attrs === undefined) {
      attrs = Object.freeze({ ...this.#base, [ATTR_PIPELINE]: monitor, ...extra });
      cache.set(key, attrs);
    }
    return attrs;
  }
}
