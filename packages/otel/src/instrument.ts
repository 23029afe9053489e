import {
  type Attributes,
  type AttributeValue,
  createNoopMeter,
  type MeterProvider,
  metrics,
} from '@opentelemetry/api';
import { defaultRegistry, type EventSink, type Registry, type RegistryChange } from '@rampart/core';
import { DEFAULT_ERROR_TYPE_LIMIT, METER_NAME } from './constants.js';
import {
  AggregatedHistogram,
  HistogramProducer,
  type RampartMetricProducer,
  sdkDurationRecorder,
} from './histogram-producer.js';
import {
  createCounterInstruments,
  createGaugeInstruments,
  createHistogramInstruments,
  HISTOGRAM_DEFINITIONS,
} from './instruments.js';
import { type ErrorReporter, LiveState } from './live-state.js';
import { type DurationRecorders, EventRecorder } from './recorder.js';
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
  /**
   * Where the duration histograms are aggregated. `'sdk'`: OpenTelemetry histograms of
   * `meterProvider`, which work with any SDK and reader. `'producer'`: rampart keeps the
   * buckets of each series itself (the SDK hashes the attributes of every recording,
   * rampart finds the series once) and `metricProducer` on the returned handle hands them
   * to a `MetricReader` — pass it in the reader's `metricProducers`, or the histograms are
   * never exported. Same names, units, buckets and attributes either way.
   * @defaultValue 'sdk'
   */
  readonly histograms?: 'sdk' | 'producer';
}

/** What `instrument` returns: call `dispose()` (or `using`) to detach. */
export interface Instrumentation {
  /**
   * With `histograms: 'producer'`: the `MetricProducer` (sdk-metrics) of the duration
   * histograms, for a `MetricReader`'s `metricProducers`. Otherwise undefined.
   */
  readonly metricProducer: RampartMetricProducer | undefined;
  /**
   * Unsubscribes from the registry and removes the observable callbacks; the producer, if
   * any, reports nothing more. Idempotent.
   */
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
  'histograms',
]);

let warnedNoop = false;

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
  if (meter === createNoopMeter() && !warnedNoop) {
    // The classic mistake: instrument() before the SDK registered its provider. OpenTelemetry
    // JS has no proxy meter, so these instruments would stay no-ops for good.
    warnedNoop = true;
    console.warn(
      '@rampart/otel: instrument() found no MeterProvider (the global one is the no-op): rampart metrics will be dropped. Start the OpenTelemetry SDK before calling instrument(), or pass { meterProvider }.',
    );
  }
  const base = Object.freeze({ ...opts.attributes });
  const limit = opts.errorTypeLimit ?? DEFAULT_ERROR_TYPE_LIMIT;
  const report = opts.onError ?? defaultReporter;

  const counters = createCounterInstruments(meter);
  const spans = opts.tracing === true ? new SpanEvents(base, limit) : undefined;
  let durations: DurationRecorders;
  let producer: HistogramProducer | undefined;
  if (opts.histograms === 'producer') {
    const [call, attempt, queue, health] = HISTOGRAM_DEFINITIONS.map((m) => new AggregatedHistogram(m)) as [
      AggregatedHistogram,
      AggregatedHistogram,
      AggregatedHistogram,
      AggregatedHistogram,
    ];
    durations = {
      callDuration: call,
      attemptDuration: attempt,
      bulkheadQueueDuration: queue,
      healthCheckDuration: health,
    };
    producer = new HistogramProducer({ name: opts.meterName ?? METER_NAME, version: VERSION }, [
      call,
      attempt,
      queue,
      health,
    ]);
  } else {
    const h = createHistogramInstruments(meter);
    durations = {
      callDuration: sdkDurationRecorder(h.callDuration),
      attemptDuration: sdkDurationRecorder(h.attemptDuration),
      bulkheadQueueDuration: sdkDurationRecorder(h.bulkheadQueueDuration),
      healthCheckDuration: sdkDurationRecorder(h.healthCheckDuration),
    };
  }
  const recorder = new EventRecorder(durations, counters, base, limit, spans);
  const gauges = createGaugeInstruments(meter);
  const live = new LiveState(base, registry, gauges, report);
  // Two batch callbacks: one reads live state, one reports counter totals. Live state goes
  // first (the SDK calls them in this order): reading a breaker's state performs the
  // transitions that time has made due, and their counts must be in the same collection as
  // the state they led to.
  const callbacks = [
    [live.observe, Object.values(gauges)],
    [recorder.observeCounters, Object.values(counters)],
  ] as const;

  const sink = isolatedSink(recorder, report);
  const onChange = (change: RegistryChange): void => {
    if (change.type === 'added') live.add(change.pipeline);
    else live.remove(change.pipeline);
  };

  const events = registry.attachSink(sink);
  let watcher: { dispose(): void } | undefined;
  try {
    watcher = registry.watch(onChange, { replay: true });
    for (const [callback, observables] of callbacks) meter.addBatchObservableCallback(callback, observables);
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
    for (const [callback, observables] of callbacks)
      meter.removeBatchObservableCallback(callback, observables);
    producer?.dispose();
  };
  return { metricProducer: producer, dispose, [disposeSymbol]: dispose } as Instrumentation;
}

const failed = (report: ErrorReporter, error: unknown, type: string, pipeline: string): void =>
  report(error, `recording "${type}" from pipeline "${pipeline}"`);

/**
 * The recorder as the registry's sink (the five per-call events as arguments, no event
 * objects), with every recording guarded: what fails is reported and the call goes on.
 */
function isolatedSink(recorder: EventRecorder, report: ErrorReporter): EventSink {
  return {
    event(e) {
      try {
        recorder.record(e);
      } catch (error) {
        failed(report, error, e.type, e.pipeline);
      }
    },
    call(pipeline, key, outcome, duration, error) {
      try {
        recorder.call(pipeline, key, outcome, duration, error);
      } catch (thrown) {
        failed(report, thrown, 'call', pipeline);
      }
    },
    attempt(pipeline, key, attempt, outcome, duration, error) {
      try {
        recorder.attempt(pipeline, key, attempt, outcome, duration, error);
      } catch (thrown) {
        failed(report, thrown, 'attempt', pipeline);
      }
    },
    retryDone(pipeline, policyName, key, attempts, succeeded, error) {
      try {
        recorder.retryDone(pipeline, policyName, key, attempts, succeeded, error);
      } catch (thrown) {
        failed(report, thrown, 'retry.done', pipeline);
      }
    },
    circuitCall(pipeline, policyName, key, result, duration, slow, error) {
      try {
        recorder.circuitCall(pipeline, policyName, key, result, duration, slow, error);
      } catch (thrown) {
        failed(report, thrown, 'circuit.call', pipeline);
      }
    },
    bulkheadAcquired(pipeline, policyName, key, queuedFor) {
      try {
        recorder.bulkheadAcquired(pipeline, policyName, key, queuedFor);
      } catch (thrown) {
        failed(report, thrown, 'bulkhead.acquired', pipeline);
      }
    },
  };
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
  const { meterProvider, meterName, attributes, tracing, errorTypeLimit, onError, histograms } = options;
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
  if (histograms !== undefined && histograms !== 'sdk' && histograms !== 'producer') {
    throw new TypeError(`instrument: histograms must be 'sdk' or 'producer', got ${describe(histograms)}`);
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

/** A bad option's value as an error message shows it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
