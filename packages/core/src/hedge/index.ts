export { HEDGE_DEFAULTS, type HedgeOptions } from './options.js';
