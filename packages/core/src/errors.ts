import type { PolicyKind } from './types.js';

/**
 * Base of every error that a policy raises itself (as opposed to errors of the protected
 * function, which pass through unchanged). `pipeline` and `policy` say where it came from.
 */
export class ResilienceError extends Error {
  /** The pipeline that raised it, once it has passed through one. */
  pipeline: string | undefined;
  /** The kind of policy that raised it. */
  readonly policy: PolicyKind;
  /**
   * True when the call was turned away before reaching the protected function (open
   * circuit, full bulkhead, rate limit): such calls count as `rejected`, not `failure`.
   */
  readonly rejection: boolean;
  /** Attempts made when a retry policy let this error escape (see `attemptsOf`); else undefined. */
  attempts: number | undefined;

  constructor(message: string, policy: PolicyKind, rejection: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.policy = policy;
    this.rejection = rejection;
    this.pipeline = undefined;
    this.attempts = undefined;
  }
}

/**
 * Names `pipeline` on a `ResilienceError` that leaves it without having passed through one
 * (raised by a policy, or thrown by the function itself); any other error passes unchanged.
 */
export function namePipeline(error: unknown, pipeline: string): unknown {
  if (error instanceof ResilienceError && error.pipeline === undefined) error.pipeline = pipeline;
  return error;
}

/** A call ran longer than its timeout. */
export class TimeoutError extends ResilienceError {
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
  constructor(timeout: number, options?: { cause?: unknown }) {
    super(`call timed out after ${timeout} ms`, 'timeout', false, options);
    this.timeout = timeout;
  }
}

/** The circuit is open (or half-open with every probe slot taken): the call was not made. */
export class BrokenCircuitError extends ResilienceError {
  /** Milliseconds until the circuit lets a probe through. */
  readonly retryAfter: number;
  constructor(retryAfter: number, message = 'circuit is open') {
    super(message, 'circuit_breaker', true);
    this.retryAfter = retryAfter;
  }
}

/** The circuit was isolated by hand (`isolate()`) and stays open until `reset()`. */
export class IsolatedCircuitError extends BrokenCircuitError {
  constructor() {
    super(Number.POSITIVE_INFINITY, 'circuit is isolated');
  }
}

/** Why a bulkhead turned a call away. */
export type BulkheadRejectReason = 'queue_full' | 'queue_timeout';

/** The bulkhead had no free slot and no room (or time) left in its queue. */
export class BulkheadRejectedError extends ResilienceError {
  readonly reason: BulkheadRejectReason;
  constructor(reason: BulkheadRejectReason, detail: string) {
    super(`bulkhead rejected the call: ${detail}`, 'bulkhead', true);
    this.reason = reason;
  }
}

/** The rate limiter had no token within the allowed wait. */
export class RateLimitedError extends ResilienceError {
  /** Milliseconds until a token is available. */
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super(`rate limit exceeded; retry after ${Math.ceil(retryAfter)} ms`, 'rate_limit', true);
    this.retryAfter = retryAfter;
  }
}

/** True for errors that policies raise when they turn a call away without making it. */
export function isRejection(error: unknown): boolean {
  return error instanceof ResilienceError && error.rejection;
}

/**
 * True when `error` is the caller's own abort: a call whose caller gave up is neither
 * retried, nor counted as a dependency failure, nor served a fallback.
 */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted && error === signal.reason) return true;
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (error as { name?: unknown }).name === 'AbortError' && !(error instanceof ResilienceError);
  } catch {
    // A thrown value whose `name` cannot be read (a getter that throws, a revoked proxy) is
    // not an abort; asking must not replace the call's error with the getter's.
    return false;
  }
}
