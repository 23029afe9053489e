import type { AnyPolicy, CircuitState, Next, PolicyContext, RampartEvent } from '@rampart/core';

/** What a watcher does when a policy lets a call through to the layers inside it. */
export interface InnerHooks<T> {
  /** The call entered the inner layers (synchronously with the policy's decision). */
  enter(ctx: PolicyContext): T;
  /** The inner layers answered (before the policy sees the answer). */
  exit(token: T): void;
}

/**
 * The same policy, watched from the inside: `hooks.enter` runs each time the policy lets a
 * call into the layers it protects, `hooks.exit` when they answer. The policy's kind, name,
 * state and configuration are its own; share the returned object where the policy is shared.
 */
export function watchInner<T>(policy: AnyPolicy, hooks: InnerHooks<T>): AnyPolicy {
  return {
    kind: policy.kind,
    name: policy.name,
    execute<R>(next: Next<R>, ctx: PolicyContext) {
      return policy.execute<R>((inner) => {
        const token = hooks.enter(inner);
        return next(inner).finally(() => hooks.exit(token));
      }, ctx);
    },
    snapshot: () => policy.snapshot(),
    configure: (options: Parameters<AnyPolicy['configure']>[0]) => policy.configure(options),
    attach: (pipeline) => policy.attach?.(pipeline),
  };
}

/**
 * Follows one circuit breaker through its transition events: its state, and a period number
 * that changes with every transition (probes are counted per half-open period).
 */
export class CircuitTracker {
  state: CircuitState = 'closed';
  period = 0;
  /** Half-open periods seen. */
  halfOpenPeriods = 0;
  readonly #policyName: string;

  constructor(policyName = 'circuit_breaker') {
    this.#policyName = policyName;
  }

  readonly listener = (event: RampartEvent): void => {
    if (event.type !== 'circuit.transition' || event.policyName !== this.#policyName) return;
    this.state = event.to;
    this.period++;
    if (event.to === 'half_open') this.halfOpenPeriods++;
  };
}

export interface BucketSettings {
  readonly rate: number;
  readonly interval: number;
  readonly burst: number;
}

/**
 * Replays admission times (ascending, from a bucket created full at `start`) against a plain
 * token bucket. Returns the first admission the bucket could not have paid for, or undefined.
 */
export function overAdmission(
  times: readonly number[],
  bucket: BucketSettings,
  start = 0,
): string | undefined {
  let tokens = bucket.burst;
  let at = start;
  for (const [i, t] of times.entries()) {
    if (t < at) return `admission ${i} at ${t} ms is earlier than the one before it (${at} ms)`;
    tokens = Math.min(bucket.burst, tokens + ((t - at) * bucket.rate) / bucket.interval);
    at = t;
    // Float dust from a different order of additions; one whole token over is not dust.
    if (tokens < 1 - 1e-6) {
      return `admission ${i} at ${t} ms found ${tokens.toFixed(6)} tokens (rate ${bucket.rate}/${bucket.interval} ms, burst ${bucket.burst})`;
    }
    tokens -= 1;
  }
  return undefined;
}
