export { attemptsOf } from './attempts.js';
export { RETRY_DEFAULTS, type RetryOptions, type RetryTunableOptions } from './options.js';
export { defaultRetryOn, type RetryPolicy, type RetrySnapshot, retry } from './retry.js';
export { parseRetryAfter, retryAfterOf } from './retry-after.js';
