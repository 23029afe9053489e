export { type HedgeConfig, type HedgePolicy, type HedgeSnapshot, hedge } from './hedge.js';
export { HEDGE_DEFAULTS, type HedgeOptions } from './options.js';
