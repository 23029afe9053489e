/**
 * @rampart/otel: OpenTelemetry metrics for rampart pipelines. The main entry depends only
 * on `@opentelemetry/api`; the SDK set-up with a Prometheus endpoint is
 * `@rampart/otel/prometheus`.
 */
export * from './constants.js';
export { rawErrorType } from './error-type.js';
export type {
  ProducedCollection,
  ProducedHistogram,
  ProducedHistogramMetric,
  ProducedHistogramPoint,
  ProducedResource,
  ProducedScopeMetrics,
  RampartMetricProducer,
} from './histogram-producer.js';
export { type Instrumentation, type InstrumentOptions, instrument } from './instrument.js';
