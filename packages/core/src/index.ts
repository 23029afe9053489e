/**
 * @rampart/core: resilience policies with typed events. No runtime dependencies and no
 * `node:` imports, so it runs in Node, Bun, Deno, browsers and edge runtimes.
 */

export {
  BACKOFF_DEFAULTS,
  BACKOFF_KINDS,
  type BackoffKind,
  type BackoffSpec,
  JITTERS,
  type Jitter,
} from './backoff/options.js';
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
export type * from './events/types.js';
export {
  type Operation,
  Pipeline,
  type PipelineOptions,
  type PipelineSnapshot,
  validateName,
} from './pipeline/pipeline.js';
export {
  defaultRegistry,
  pipeline,
  Registry,
  type RegistryChange,
  type RegistryOptions,
  type RegistrySnapshot,
} from './pipeline/registry.js';
export {
  TIMEOUT_DEFAULTS,
  TIMEOUT_STRATEGIES,
  type TimeoutOptions,
  type TimeoutStrategy,
} from './timeout/options.js';
export { type TimeoutPolicy, type TimeoutSnapshot, timeout } from './timeout/timeout.js';
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
