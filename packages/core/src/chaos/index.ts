export { type ChaosConfig, type ChaosPolicy, type ChaosSnapshot, chaos } from './chaos.js';
export { CHAOS_DEFAULTS, type ChaosOptions } from './options.js';
