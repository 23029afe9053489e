export { type BulkheadPolicy, type BulkheadSnapshot, bulkhead } from './bulkhead.js';
export { BULKHEAD_DEFAULTS, type BulkheadOptions, type BulkheadSettings } from './options.js';
