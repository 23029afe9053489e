/**
 * `@rampart/core/admin`: a request handler for status pages and manual circuit control.
 * Separate from the main entry because it is a server-side tool.
 */
export { type AdminHandlerOptions, adminHandler } from './admin-handler.js';
export type { AdminRequest, AdminResponse } from './http-types.js';
