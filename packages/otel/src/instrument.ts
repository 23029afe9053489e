import { type Attributes, type AttributeValue, type MeterProvider, metrics } from '@opentelemetry/api';
import { defaultRegistry, type RampartEvent, type Registry, type RegistryChange } from '@rampart/core';
import {
  ATTEMPT_BUCKETS,
  ATTR_ATTEMPT,
  ATTR_BULKHEAD_REASON,
  ATTR_CHAOS_INJECTED,
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_RESULT,
  ATTR_CIRCUIT_TO,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_SOURCE,
  ATTR_HEALTH_CHECK,
  ATTR_HEALTH_CRITICAL,
  ATTR_OUTCOME,
  ATTR_POLICY,
  ATTR_RETRY_RESULT,
  DEFAULT_ERROR_TYPE_LIMIT,
  METER_NAME,
} from './constants.js';
import { createEventInstruments, createGaugeInstruments, type EventInstruments } from './instruments.js';
import { type ErrorReporter, LiveState } from './live-state.js';
import { SeriesCache } from './series.js';
import { SpanEvents } from './tracing.js';
import { VERSION } from './version.js';

export interface InstrumentOptions {
  /**
   * Where instruments are created. Instruments are bound to this provider when
   * `instrument` runs (OpenTelemetry JS has no proxy meter), so register the global
   * provider first, or pass yours here. @defaultValue `metrics.getMeterProvider()`
   */
  readonly meterProvider?: MeterProvider;
  /** Instrumentation scope name (`otel_scope_name` in Prometheus). @defaultValue `'@rampart/otel'` */
  readonly meterName?: string;
  /**
   * Attributes added to every series, e.g. `{ 'deployment.environment': 'prod' }`. Keep
   * them constant and few; per-process identity belongs in the resource instead.
   * @defaultValue none
   */
  readonly attributes?: Attributes;
  /**
   * Adds span events (retry, circuit rejection, timeout, fallback) to the active span, if
   * any. @defaultValue false
   */
  readonly tracing?: boolean;
  /**
   * Distinct `error.type` values kept per instrument and pipeline; later new ones become
   * `_OTHER`. @defaultValue 50
   */
  readonly errorTypeLimit?: number;
  /**
   * Called when the instrumentation itself fails (an SDK that throws, a snapshot that
   * throws). The protected call is never affected. @defaultValue one `console.error` line
   */
  readonly onError?: (error: unknown, context: string) => void;
}

/** What `instrument` returns: call `dispose()` (or `using`) to detach. */
export interface Instrumentation {
  /** Unsubscribes from the registry and removes the observable callbacks. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ??
  (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

const KNOWN_OPTIONS = new Set([
  'meterProvider',
  'meterName',
  'attributes',
  'tracing',
  'errorTypeLimit',
  'onError',
]);

const defaultReporter: ErrorReporter = (error, context) => {
  console.error(`@rampart/otel: ${context} failed`, error);
};

/**
 * Records metrics for every pipeline of `registry` (the default registry unless given),
 * present and future: counters and histograms from the registry's events, observable
 * gauges for live state. Returns a handle whose `dispose()` detaches it all.
 *
 * @example
 * const metrics = instrument();                        // default registry, global provider
 * const metrics = instrument(registry, { meterProvider, attributes: { team: 'payments' } });
 */
export function instrument(
  registry: Registry = defaultRegistry,
  options: InstrumentOptions = {},
): Instrumentation {
  const opts = validateOptions(registry, options);
  const provider = opts.meterProvider ?? metrics.getMeterProvider();
  const meter = provider.getMeter(opts.meterName ?? METER_NAME, VERSION);
  const base = Object.freeze({ ...opts.attributes });
  const limit = opts.errorTypeLimit ?? DEFAULT_ERROR_TYPE_LIMIT;
  const report = opts.onError ?? defaultReporter;

  const recorder = new EventRecorder(createEventInstruments(meter), base, limit, opts.tracing === true);
  const gauges = createGaugeInstruments(meter);
  const live = new LiveState(base, registry, gauges, report);
  const observables = Object.values(gauges);

  const listener = (event: RampartEvent): void => {
    try {
      recorder.record(event);
    } catch (error) {
      report(error, `recording "${event.type}" from pipeline "${event.pipeline}"`);
    }
  };
  const onChange = (change: RegistryChange): void => {
    if (change.type === 'added') {
      live.add(change.pipeline);
    } else {
      live.remove(change.pipeline);
      recorder.forget(change.pipeline.name);
    }
  };

  const events = registry.on(listener);
  let watcher: { dispose(): void } | undefined;
  try {
    watcher = registry.watch(onChange, { replay: true });
    meter.addBatchObservableCallback(live.observe, observables);
  } catch (error) {
    events.dispose();
    watcher?.dispose();
    throw error;
  }

  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    events.dispose();
    watcher?.dispose();
    meter.removeBatchObservableCallback(live.observe, observables);
  };
  return { dispose, [disposeSymbol]: dispose } as Instrumentation;
}

function validateOptions(registry: unknown, options: InstrumentOptions): InstrumentOptions {
  if (
    typeof registry !== 'object' ||
    registry === null ||
    typeof (registry as Registry).on !== 'function' ||
    typeof (registry as Registry).watch !== 'function'
  ) {
    throw new TypeError(
      `instrument: registry must be a Registry from @rampart/core (or omitted for the default registry), got ${describe(registry)}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`instrument: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`instrument: unknown option "${key}"; allowed: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  const { meterProvider, meterName, attributes, tracing, errorTypeLimit, onError } = options;
  if (meterProvider !== undefined && typeof (meterProvider as MeterProvider)?.getMeter !== 'function') {
    throw new TypeError(
      `instrument: meterProvider must be an OpenTelemetry MeterProvider (with getMeter), got ${describe(meterProvider)}`,
    );
  }
  if (meterName !== undefined && (typeof meterName !== 'string' || meterName === '')) {
    throw new TypeError(`instrument: meterName must be a non-empty string, got ${describe(meterName)}`);
  }
  if (attributes !== undefined) {
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw new TypeError(
        `instrument: attributes must be an object of attribute values, got ${describe(attributes)}`,
      );
    }
    for (const [key, value] of Object.entries(attributes)) {
      if (!isAttributeValue(value)) {
        throw new TypeError(
          `instrument: attributes["${key}"] must be a string, number or boolean (or an array of one of them), got ${describe(value)}`,
        );
      }
    }
  }
  if (tracing !== undefined && typeof tracing !== 'boolean') {
    throw new TypeError(`instrument: tracing must be a boolean, got ${describe(tracing)}`);
  }
  if (
    errorTypeLimit !== undefined &&
    (typeof errorTypeLimit !== 'number' || !Number.isInteger(errorTypeLimit) || errorTypeLimit < 1)
  ) {
    throw new TypeError(
      `instrument: errorTypeLimit must be an integer >= 1, got ${describe(errorTypeLimit)}`,
    );
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError(`instrument: onError must be a function, got ${describe(onError)}`);
  }
  return options;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const t = typeof value;
  if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(value))) return true;
  return Array.isArray(value) && value.every((v) => v === null || isAttributeValue(v));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

const RETRY_RESULT = {
  success: ['success_without_retry', 'success_with_retry'],
  failure: ['failure_without_retry', 'failure_with_retry'],
} as const;

/**
 * Turns events into recordings. Each instrument has its cache of pre-built attribute sets;
 * a recording is a few map lookups and one SDK call.
 */
class EventRecorder {
  readonly #i: EventInstruments;
  readonly #spans: SpanEvents | undefined;
  readonly #call: SeriesCache;
  readonly #attempt: SeriesCache;
  readonly #retryAttempts: SeriesCache;
  readonly #retryCalls: SeriesCache;
  readonly #policyOnly: SeriesCache;
  readonly #circuitTransitions: SeriesCache;
  readonly #circuitCalls: SeriesCache;
  readonly #bulkheadRejections: SeriesCache;
  readonly #fallback: SeriesCache;
  readonly #chaos: SeriesCache;
  readonly #health: SeriesCache;
  readonly #all: readonly SeriesCache[];

  constructor(instruments: EventInstruments, base: Attributes, limit: number, tracing: boolean) {
    this.#i = instruments;
    this.#spans = tracing ? new SpanEvents(base, limit) : undefined;
    const cache = (...names: (string | undefined)[]) => new SeriesCache(base, names, limit);
    this.#call = cache(ATTR_OUTCOME, ATTR_ERROR_TYPE);
    this.#attempt = cache(ATTR_ATTEMPT, ATTR_OUTCOME, ATTR_ERROR_TYPE);
    this.#retryAttempts = cache(ATTR_POLICY, ATTR_ERROR_TYPE);
    this.#retryCalls = cache(ATTR_POLICY, ATTR_RETRY_RESULT);
    // Shared by every instrument whose only attribute besides the pipeline is the policy:
    // the attribute sets are equal, and sharing them keeps one cache instead of five.
    this.#policyOnly = cache(ATTR_POLICY);
    this.#circuitTransitions = cache(ATTR_POLICY, ATTR_CIRCUIT_FROM, ATTR_CIRCUIT_TO);
    this.#circuitCalls = cache(ATTR_POLICY, ATTR_CIRCUIT_RESULT, ATTR_ERROR_TYPE);
    this.#bulkheadRejections = cache(ATTR_POLICY, ATTR_BULKHEAD_REASON);
    this.#fallback = cache(ATTR_POLICY, ATTR_FALLBACK_SOURCE, ATTR_ERROR_TYPE);
    this.#chaos = cache(ATTR_POLICY, ATTR_CHAOS_INJECTED);
    this.#health = cache(ATTR_HEALTH_CHECK, ATTR_HEALTH_CRITICAL, ATTR_OUTCOME);
    this.#all = [
      this.#call,
      this.#attempt,
      this.#retryAttempts,
      this.#retryCalls,
      this.#policyOnly,
      this.#circuitTransitions,
      this.#circuitCalls,
      this.#bulkheadRejections,
      this.#fallback,
      this.#chaos,
      this.#health,
    ];
  }

  forget(pipeline: string): void {
    for (const c of this.#all) c.forget(pipeline);
    this.#spans?.forget(pipeline);
  }

  record(e: RampartEvent): void {
    const i = this.#i;
    const p = e.pipeline;
    switch (e.type) {
      case 'call': {
        const c = this.#call;
        const attrs =
          e.outcome === 'success' ? c.get(p, e.outcome) : c.get(p, e.outcome, c.errorType(p, e.error));
        i.callDuration.record(e.duration / 1000, attrs);
        return;
      }
      case 'attempt': {
        const c = this.#attempt;
        const bucket = ATTEMPT_BUCKETS[e.attempt > 3 ? 3 : e.attempt - 1] ?? ATTEMPT_BUCKETS[3];
        const attrs =
          e.outcome === 'success'
            ? c.get(p, bucket, e.outcome)
            : c.get(p, bucket, e.outcome, c.errorType(p, e.error));
        i.attemptDuration.record(e.duration / 1000, attrs);
        return;
      }
      case 'retry': {
        const c = this.#retryAttempts;
        i.retryAttempts.add(1, c.get(p, e.policyName, c.errorType(p, e.error)));
        this.#spans?.retry(e);
        return;
      }
      case 'retry.done': {
        const result = RETRY_RESULT[e.succeeded ? 'success' : 'failure'][e.attempts > 1 ? 1 : 0];
        i.retryCalls.add(1, this.#retryCalls.get(p, e.policyName, result));
        return;
      }
      case 'budget.exhausted':
        i.retryBudgetRejections.add(1, this.#policyOnly.get(p, e.policyName));
        return;
      case 'circuit.transition':
        i.circuitTransitions.add(1, this.#circuitTransitions.get(p, e.policyName, e.from, e.to));
        return;
      case 'circuit.call': {
        const c = this.#circuitCalls;
        const attrs =
          e.result === 'success' || e.result === 'ignored'
            ? c.get(p, e.policyName, e.result)
            : c.get(p, e.policyName, e.result, c.errorType(p, e.error));
        i.circuitCalls.add(1, attrs);
        if (e.result === 'rejected') this.#spans?.circuitRejected(e);
        return;
      }
      case 'timeout':
        i.timeouts.add(1, this.#policyOnly.get(p, e.policyName));
        this.#spans?.timeout(e);
        return;
      case 'bulkhead.acquired':
        i.bulkheadQueueDuration.record(e.queuedFor / 1000, this.#policyOnly.get(p, e.policyName));
        return;
      case 'bulkhead.rejected':
        i.bulkheadRejections.add(1, this.#bulkheadRejections.get(p, e.policyName, e.reason));
        return;
      case 'ratelimit.rejected':
        i.rateLimitRejections.add(1, this.#policyOnly.get(p, e.policyName));
        return;
      case 'fallback': {
        const c = this.#fallback;
        i.fallbackUses.add(1, c.get(p, e.policyName, e.source, c.errorType(p, e.error)));
        this.#spans?.fallback(e);
        return;
      }
      case 'hedge':
        i.hedgeAttempts.add(1, this.#policyOnly.get(p, e.policyName));
        return;
      case 'chaos':
        i.chaosInjections.add(1, this.#chaos.get(p, e.policyName, e.injected));
        return;
      case 'health.check':
        i.healthCheckDuration.record(
          e.duration / 1000,
          this.#health.get(p, e.check, e.critical ? 'true' : 'false', e.ok ? 'success' : 'failure'),
        );
        return;
      // Live state is read by the gauges; these events carry nothing a gauge misses.
      case 'bulkhead.queued':
      case 'ratelimit.acquired':
        return;
      default:
        return;
    }
  }
}
