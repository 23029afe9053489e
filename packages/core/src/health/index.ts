export { HEALTH_DEFAULTS } from './options.js';
