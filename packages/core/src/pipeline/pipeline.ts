import { type Clock, systemClock } from '../clock.js';
import { type Audience, NO_AUDIENCE } from '../events/audience.js';
import { EventHub, reportListenerError } from '../events/hub.js';
import { perCallEvent } from '../events/sink.js';
import type {
  AttemptEvent,
  CallOutcome,
  CircuitCallEvent,
  EventListener,
  RampartEvent,
} from '../events/types.js';
import { Plan } from '../internal/frame.js';
import { type SoloRunner, soloOf } from '../internal/solo.js';
import { checkBoolean, checkObject } from '../internal/validate.js';
import type { AnyPolicy, CallContext, ExecuteOptions, PipelineRuntime, Subscription } from '../types.js';
import { CallFrame } from './call.js';
import type { Registry } from './registry.js';

export interface PipelineOptions {
  /**
   * Where to register the pipeline by its name; `null` leaves it unregistered.
   * @defaultValue the default registry
   */
  readonly registry?: Registry | null;
  /** Replace a registered pipeline of the same name instead of failing. @defaultValue false */
  readonly replace?: boolean;
  /** Clock for event times and durations. @defaultValue systemClock */
  readonly clock?: Clock;
  /**
   * `false` passes calls straight to the function, skipping every policy (the kill
   * switch); calls are still counted. Can be changed at run time. @defaultValue true
   */
  readonly enabled?: boolean;
}

/** Options of `wrap()`. */
export interface WrapOptions {
  /** Operation key for every call of the wrapped function. */
  readonly key?: string;
}

/** The protected function, as a pipeline runs it. */
export type Operation<T> = (ctx: CallContext) => T | PromiseLike<T>;

/** Live state of one pipeline, for status pages. */
export interface PipelineSnapshot {
  readonly name: string;
  readonly enabled: boolean;
  readonly policies: readonly { readonly kind: string; readonly name: string; readonly state: unknown }[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Checks a pipeline (or health monitor) name: short, and safe as a metric label and env var part. */
export function validateName(name: unknown, what = 'pipeline name'): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(
      `${what} must be 1-128 characters of letters, digits, '_', '.', ':' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * A named list of policies, outermost first, that protects calls to one dependency.
 * Create it with `pipeline()` or `registry.pipeline()`.
 */
export class Pipeline implements PipelineRuntime {
  readonly name: string;
  readonly clock: Clock;
  readonly #hub: EventHub;
  /** Whether this pipeline has listeners of its own (kept current by its hub). */
  #ownListeners = false;
  /** Who gets the registry's events (see events/audience.ts). */
  readonly #audience: Readonly<Audience>;
  readonly #registry: Registry | null;
  #policies: readonly AnyPolicy[];
  /** How a call runs through the policies (see internal/frame.ts); made by the first call. */
  #plan: Plan | undefined = undefined;
  /** The frame-less path of the pipeline's only policy, if it has one (see internal/solo.ts). */
  readonly #solo: SoloRunner | undefined;
  #enabled: boolean;

  constructor(name: string, policies: readonly AnyPolicy[], options: PipelineOptions = {}) {
    this.name = validateName(name);
    this.#policies = validatePolicies(policies, this.name);
    checkPipelineOptions(this.name, options);
    this.clock = options.clock ?? systemClock;
    this.#enabled = options.enabled ?? true;
    this.#registry = options.registry ?? null;
    this.#hub = new EventHub(
      () => this.#registry?.onListenerError ?? reportListenerError,
      () => {
        this.#ownListeners = this.#hub.size > 0;
      },
    );
    this.#audience = this.#registry?.audience ?? NO_AUDIENCE;
    this.#solo = this.#policies.length === 1 ? soloOf(this.#policies[0]!)?.runnerFor(this) : undefined;
    for (const policy of this.#policies) policy.attach?.(this);
  }

  /** The policies, outermost first. */
  get policies(): readonly AnyPolicy[] {
    return this.#policies;
  }

  /** The registry the pipeline belongs to, if any. */
  get registry(): Registry | null {
    return this.#registry;
  }

  /** Whether policies apply; `false` is the kill switch (calls go straight through). */
  get enabled(): boolean {
    return this.#enabled;
  }
  set enabled(value: boolean) {
    this.#enabled = checkBoolean(`pipeline "${this.name}"`, 'enabled', value);
  }

  get listening(): boolean {
    return this.#ownListeners || this.#audience.listening;
  }

  /** Listens to this pipeline's events. */
  on(listener: EventListener): Subscription {
    return this.#hub.on(listener);
  }

  emit(event: RampartEvent): void {
    this.#hub.emit(event);
    this.#registry?.emit(event);
  }

  /**
   * Whether a listener wants the per-call events as objects (sinks take them as arguments).
   * A method, not a private getter: V8 (Node 20) does not inline private accessors, and at
   * ~3 ns a read, four or five reads a call were a tenth of what instrumentation costs.
   */
  #objectsWanted(): boolean {
    return this.#ownListeners || this.#audience.listeners;
  }

  /** Hands a per-call event object to the listeners only: the sinks have had it as arguments. */
  #notify(event: RampartEvent): void {
    this.#hub.emit(event);
    this.#registry?.notifyListeners(event);
  }

  reportCall(
    key: string | undefined,
    time: number,
    outcome: CallOutcome,
    duration: number,
    error: unknown,
  ): void {
    const name = this.name;
    const event = perCallEvent.call;
    if (this.#objectsWanted()) this.#notify(event(name, key, time, outcome, duration, error));
    const sink = this.#audience.sink;
    if (sink === undefined) return;
    try {
      sink.call(name, key, outcome, duration, error);
    } catch (thrown) {
      this.#registry!.sinkFailed(thrown, event(name, key, time, outcome, duration, error));
    }
  }

  reportAttempt(
    key: string | undefined,
    time: number,
    attempt: number,
    outcome: AttemptEvent['outcome'],
    duration: number,
    error: unknown,
  ): void {
    const name = this.name;
    const event = perCallEvent.attempt;
    if (this.#objectsWanted()) this.#notify(event(name, key, time, attempt, outcome, duration, error));
    const sink = this.#audience.sink;
    if (sink === undefined) return;
    try {
      sink.attempt(name, key, attempt, outcome, duration, error);
    } catch (thrown) {
      this.#registry!.sinkFailed(thrown, event(name, key, time, attempt, outcome, duration, error));
    }
  }

  reportRetryDone(
    policyName: string,
    key: string | undefined,
    time: number,
    attempts: number,
    succeeded: boolean,
    error: unknown,
  ): void {
    const name = this.name;
    const event = perCallEvent.retryDone;
    if (this.#objectsWanted()) this.#notify(event(name, policyName, key, time, attempts, succeeded, error));
    const sink = this.#audience.sink;
    if (sink === undefined) return;
    try {
      sink.retryDone(name, policyName, key, attempts, succeeded, error);
    } catch (thrown) {
      this.#registry!.sinkFailed(thrown, event(name, policyName, key, time, attempts, succeeded, error));
    }
  }

  reportCircuitCall(
    policyName: string,
    key: string | undefined,
    time: number,
    result: CircuitCallEvent['result'],
    duration: number,
    slow: boolean,
    error: unknown,
  ): void {
    const name = this.name;
    const event = perCallEvent.circuitCall;
    if (this.#objectsWanted())
      this.#notify(event(name, policyName, key, time, result, duration, slow, error));
    const sink = this.#audience.sink;
    if (sink === undefined) return;
    try {
      sink.circuitCall(name, policyName, key, result, duration, slow, error);
    } catch (thrown) {
      this.#registry!.sinkFailed(thrown, event(name, policyName, key, time, result, duration, slow, error));
    }
  }

  reportBulkheadAcquired(policyName: string, key: string | undefined, time: number, queuedFor: number): void {
    const name = this.name;
    const event = perCallEvent.bulkheadAcquired;
    if (this.#objectsWanted()) this.#notify(event(name, policyName, key, time, queuedFor));
    if (queuedFor === 0) return; // sinks hear only of calls that waited (see EventSink)
    const sink = this.#audience.sink;
    if (sink === undefined) return;
    try {
      sink.bulkheadAcquired(name, policyName, key, queuedFor);
    } catch (thrown) {
      this.#registry!.sinkFailed(thrown, event(name, policyName, key, time, queuedFor));
    }
  }

  /** Finds a policy by name (or by kind, the default name). */
  policy<P extends AnyPolicy = AnyPolicy>(name: string): P | undefined {
    return this.#policies.find((p) => p.name === name) as P | undefined;
  }

  /** Runs `fn` under every policy. Resolves with its value or rejects with the error that escaped. */
  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    // A lone policy may run an unobserved call without options with no frame at all.
    if (options === undefined && this.#solo !== undefined && this.#enabled && !this.listening) {
      const promise = this.#solo(fn);
      if (promise !== undefined) return promise as Promise<T>;
    }
    this.#plan ??= new Plan(this.#policies);
    // The kill switch starts the call past the last policy: straight to the function.
    const from = this.#enabled ? 0 : this.#policies.length;
    return new CallFrame(this, this.#plan, from, fn as Operation<unknown>, options).start() as Promise<T>;
  }

  /**
   * Returns `fn` protected by this pipeline. `fn` receives the wrapped function's arguments
   * and, after them, the call context; annotate its parameters so TypeScript can tell the
   * two apart: `p.wrap(async (id: string, { signal }: CallContext) => …)`.
   */
  wrap<A extends unknown[], R>(
    fn: (...args: [...A, CallContext]) => R,
    options?: WrapOptions,
  ): (...args: A) => Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw new TypeError(`pipeline "${this.name}": wrap() needs a function`);
    const executeOptions = options?.key === undefined ? undefined : { key: options.key };
    return (...args: A) => this.execute((ctx) => fn(...args, ctx), executeOptions) as Promise<Awaited<R>>;
  }

  /** @internal Registers this pipeline in its registry (done by `pipeline()` and `registry.pipeline()`). */
  register(replace: boolean): this {
    this.#registry?.add(this, replace);
    return this;
  }

  /** Live state of every policy. */
  snapshot(): PipelineSnapshot {
    return {
      name: this.name,
      enabled: this.#enabled,
      policies: this.#policies.map((p) => ({ kind: p.kind, name: p.name, state: p.snapshot() })),
    };
  }
}

const PIPELINE_OPTIONS = ['registry', 'replace', 'clock', 'enabled'] as const;

/** Unknown keys, a clock that is not one, a kill switch that is not a boolean: refused at once. */
function checkPipelineOptions(name: string, options: PipelineOptions): void {
  const where = `pipeline "${name}"`;
  checkObject(where, options, PIPELINE_OPTIONS);
  if (options.enabled !== undefined) checkBoolean(where, 'enabled', options.enabled);
  if (options.replace !== undefined) checkBoolean(where, 'replace', options.replace);
  const registry = options.registry as { add?: unknown } | null | undefined;
  if (registry !== undefined && registry !== null && typeof registry?.add !== 'function') {
    throw new TypeError(`${where}: registry must be a Registry or null, got ${typeof registry}`);
  }
}

function validatePolicies(policies: readonly AnyPolicy[], name: string): readonly AnyPolicy[] {
  if (!Array.isArray(policies)) {
    throw new TypeError(`pipeline "${name}": policies must be an array of policies, got ${typeof policies}`);
  }
  const names = new Set<string>();
  policies.forEach((p, i) => {
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof p.execute !== 'function' ||
      typeof p.kind !== 'string'
    ) {
      throw new TypeError(
        `pipeline "${name}": policies[${i}] is not a policy (create one with retry(), timeout(), circuitBreaker(), …)`,
      );
    }
    if (names.has(p.name)) {
      throw new TypeError(
        `pipeline "${name}": two policies are named "${p.name}"; give one a distinct \`name\` option`,
      );
    }
    names.add(p.name);
  });
  return Object.freeze([...policies]);
}
