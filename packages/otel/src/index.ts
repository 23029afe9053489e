/**
 * @rampart/otel: OpenTelemetry metrics for rampart pipelines.
 */
export * from './constants.js';
