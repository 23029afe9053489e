export { RATE_LIMIT_DEFAULTS, type RateLimitOptions, type RateLimitSettings } from './options.js';
export { type RateLimitPolicy, type RateLimitSnapshot, rateLimit } from './rate-limit.js';
