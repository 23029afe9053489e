export { RATE_LIMIT_DEFAULTS, type RateLimitOptions } from './options.js';
