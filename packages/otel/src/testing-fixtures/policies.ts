import type { Next, Outcome, Policy, PolicyContext, PolicyKind } from '@rampart/core';

/**
 * A pass-through policy of any kind whose snapshot a test controls: stands in for policies
 * whose live state the gauges read (circuit breaker ratios, rate-limit tokens).
 */
export class FakePolicy<K extends PolicyKind> implements Policy<K, unknown, unknown> {
  readonly kind: K;
  readonly name: string;
  state: unknown;

  constructor(kind: K, state: unknown, name: string = kind) {
    this.kind = kind;
    this.name = name;
    this.state = state;
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    return next(ctx);
  }

  snapshot(): unknown {
    if (this.state instanceof Error) throw this.state;
    return this.state;
  }

  configure(): void {}
}
