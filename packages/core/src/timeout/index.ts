export {
  TIMEOUT_DEFAULTS,
  TIMEOUT_STRATEGIES,
  type TimeoutOptions,
  type TimeoutStrategy,
} from './options.js';
export { type TimeoutPolicy, type TimeoutSnapshot, timeout } from './timeout.js';
