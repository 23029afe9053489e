export { FALLBACK_DEFAULTS, type FallbackOptions } from './options.js';
