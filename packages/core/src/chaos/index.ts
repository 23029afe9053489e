export { CHAOS_DEFAULTS, type ChaosOptions } from './options.js';
