export { BULKHEAD_DEFAULTS, type BulkheadOptions } from './options.js';
