/**
 * @rampart/core: resilience policies with typed events. No runtime dependencies and no
 * `node:` imports, so it runs in Node, Bun, Deno, browsers and edge runtimes.
 *
 * Each pattern lives in its own folder and exports its public API from that folder's index.
 */

export * from './backoff/index.js';
export * from './bulkhead/index.js';
export * from './chaos/index.js';
export * from './circuit-breaker/index.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export {
  BrokenCircuitError,
  BulkheadRejectedError,
  type BulkheadRejectReason,
  IsolatedCircuitError,
  isAbortError,
  isRejection,
  RateLimitedError,
  ResilienceError,
  TimeoutError,
} from './errors.js';
export { type ListenerErrorHandler, reportListenerError } from './events/hub.js';
export type { EventSink } from './events/sink.js';
export type * from './events/types.js';
export * from './fallback/index.js';
export * from './health/index.js';
export * from './hedge/index.js';
export * from './http/index.js';
export {
  type Operation,
  Pipeline,
  type PipelineOptions,
  type PipelineSnapshot,
  validateName,
  type WrapOptions,
} from './pipeline/pipeline.js';
export {
  defaultRegistry,
  pipeline,
  Registry,
  type RegistryChange,
  type RegistryOptions,
  type RegistrySnapshot,
} from './pipeline/registry.js';
export * from './rate-limit/index.js';
export * from './retry/index.js';
export * from './retry-budget/index.js';
export * from './settle/index.js';
export * from './timeout/index.js';
export { isTransient, isTransientStatus } from './transient.js';
export type {
  AnyPolicy,
  CallContext,
  CallState,
  ExecuteOptions,
  Next,
  Outcome,
  PipelineRuntime,
  Policy,
  PolicyContext,
  PolicyKind,
  Subscription,
} from './types.js';
