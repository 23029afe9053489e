import type { BulkheadRejectReason, CallOutcome } from '@rampart/core';

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

const bucketOf = (attempt: number) => (attempt > 3 ? '4+' : String(attempt));

/**
 * What the metrics must say, counted by the workload itself from what its callers and its
 * function saw. Keys are `pipeline|value|value…` in the order of each instrument's attributes
 * (see `Collected.series`), so a tally and a collection compare as plain maps. Only counts are
 * kept: the tally's size does not grow with the number of calls.
 */
export class Tally {
  readonly started = new Map<string, number>();
  /** rampart.call.duration: outcome, error.type */
  readonly calls = new Map<string, number>();
  readonly callMs = new Map<string, number>();
  /** rampart.attempt.duration: attempt, outcome, error.type */
  readonly attempts = new Map<string, number>();
  readonly attemptMs = new Map<string, number>();
  /** rampart.retry.attempts: policy, error.type */
  readonly retries = new Map<string, number>();
  /** rampart.retry.calls: policy, result */
  readonly retryCalls = new Map<string, number>();
  /** rampart.circuit.calls: policy, result, error.type */
  readonly circuitCalls = new Map<string, number>();
  /** rampart.bulkhead.rejections: policy, reason */
  readonly bulkheadRejections = new Map<string, number>();
  /** rampart.ratelimit.rejections: policy */
  readonly rateLimitRejections = new Map<string, number>();
  /** rampart.timeout.timeouts: policy */
  readonly timeouts = new Map<string, number>();
  /** rampart.fallback.uses: policy, source, error.type */
  readonly fallbacks = new Map<string, number>();

  callStarted(pipeline: string): void {
    bump(this.started, pipeline);
  }

  call(pipeline: string, outcome: CallOutcome, errorType: string | undefined, ms: number): void {
    bump(this.calls, `${pipeline}|${outcome}|${errorType ?? ''}`);
    bump(this.callMs, pipeline, ms);
  }

  attempt(pipeline: string, attempt: number, errorType: string | undefined, ms: number): void {
    const outcome = errorType === undefined ? 'success' : 'failure';
    bump(this.attempts, `${pipeline}|${bucketOf(attempt)}|${outcome}|${errorType ?? ''}`);
    bump(this.attemptMs, pipeline, ms);
  }

  retry(pipeline: string, errorType: string): void {
    bump(this.retries, `${pipeline}|retry|${errorType}`);
  }

  retryCall(pipeline: string, succeeded: boolean, attempts: number): void {
    const result = `${succeeded ? 'success' : 'failure'}_${attempts > 1 ? 'with' : 'without'}_retry`;
    bump(this.retryCalls, `${pipeline}|retry|${result}`);
  }

  circuitCall(
    pipeline: string,
    result: 'success' | 'failure' | 'ignored' | 'rejected',
    errorType: string | undefined,
  ): void {
    bump(this.circuitCalls, `${pipeline}|circuit_breaker|${result}|${errorType ?? ''}`);
  }

  bulkheadRejection(pipeline: string, reason: BulkheadRejectReason): void {
    bump(this.bulkheadRejections, `${pipeline}|bulkhead|${reason}`);
  }

  rateLimitRejection(pipeline: string): void {
    bump(this.rateLimitRejections, `${pipeline}|rate_limit`);
  }

  timeout(pipeline: string): void {
    bump(this.timeouts, `${pipeline}|timeout`);
  }

  fallback(pipeline: string, errorType: string): void {
    bump(this.fallbacks, `${pipeline}|fallback|fn|${errorType}`);
  }

  /** Sum of a map's counts whose key starts with `prefix`. */
  static total(map: ReadonlyMap<string, number>, prefix = ''): number {
    let sum = 0;
    for (const [key, value] of map) if (key.startsWith(prefix)) sum += value;
    return sum;
  }
}
