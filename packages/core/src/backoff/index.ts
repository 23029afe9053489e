export { backoff, backoffDelay, validateBackoff } from './backoff.js';
export {
  BACKOFF_DEFAULTS,
  BACKOFF_KINDS,
  type BackoffKind,
  type BackoffSpec,
  type ConstantBackoffOptions,
  type ExponentialBackoffOptions,
  type FibonacciBackoffOptions,
  JITTERS,
  type Jitter,
  type LinearBackoffOptions,
  MAX_TIMER_DELAY,
} from './options.js';
