export { RETRY_DEFAULTS, type RetryOptions } from './options.js';
