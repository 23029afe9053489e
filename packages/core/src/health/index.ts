export { CheckFailedError, type HealthConfig, HealthMonitor, health } from './health.js';
export {
  DEFAULT_HEALTH_NAME,
  HEALTH_DEFAULTS,
  type HealthCheck,
  type HealthCheckContext,
  type HealthOptions,
} from './options.js';
export {
  describeError,
  type HealthCheckReport,
  type HealthCheckResult,
  type HealthReport,
  type HealthState,
} from './report.js';
