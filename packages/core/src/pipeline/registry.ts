import { Audience } from '../events/audience.js';
import { EventHub, type ListenerErrorHandler, reportListenerError } from '../events/hub.js';
import { checkSink, type EventSink, fanOut, SinkFailures } from '../events/sink.js';
import type { EventListener, RampartEvent } from '../events/types.js';
import type { HealthMonitor } from '../health/health.js';
import type { HealthReport } from '../health/report.js';
import { subscription } from '../internal/subscription.js';
import type { AnyPolicy, Subscription } from '../types.js';
import { Pipeline, type PipelineOptions, type PipelineSnapshot } from './pipeline.js';

export interface RegistryOptions {
  /** Called when an event listener throws. @defaultValue one `console.error` line */
  readonly onListenerError?: ListenerErrorHandler;
}

/** A pipeline was added to or removed from a registry. */
export interface RegistryChange {
  readonly type: 'added' | 'removed';
  readonly pipeline: Pipeline;
}

/** Live state of every pipeline in a registry. */
export interface RegistrySnapshot {
  readonly pipelines: Readonly<Record<string, PipelineSnapshot>>;
  /** The latest report of each health monitor (undefined before its checks first ran). */
  readonly health: Readonly<Record<string, HealthReport | undefined>>;
}

/**
 * Named pipelines, one event stream for all of them, and a snapshot of their live state.
 * Metrics adapters subscribe here and follow pipelines added later through `watch`.
 */
export class Registry implements Iterable<Pipeline> {
  readonly #pipelines = new Map<string, Pipeline>();
  readonly #hub: EventHub;
  readonly #watchers = new Set<(change: RegistryChange) => void>();
  readonly #health = new Map<string, HealthMonitor>();
  #sinks: readonly EventSink[] = [];
  onListenerError: ListenerErrorHandler;

  constructor(options: RegistryOptions = {}) {
    if (options.onListenerError !== undefined && typeof options.onListenerError !== 'function') {
      throw new TypeError('onListenerError must be a function');
    }
    this.onListenerError = options.onListenerError ?? reportListenerError;
    this.#hub = new EventHub(
      () => this.onListenerError,
      () => this.#updateAudience(),
    );
  }

  /** Creates a pipeline and registers it under `name`. */
  pipeline(
    name: string,
    policies: readonly AnyPolicy[],
    options?: Omit<PipelineOptions, 'registry'>,
  ): Pipeline {
    return new Pipeline(name, policies, { ...options, registry: this }).register(options?.replace ?? false);
  }

  /** @internal Called by `Pipeline.register`; use `registry.pipeline()` or `pipeline(…, { registry })`. */
  add(pipeline: Pipeline, replace: boolean): void {
    const existing = this.#pipelines.get(pipeline.name);
    if (existing !== undefined && !replace) {
      throw new Error(
        `a pipeline named "${pipeline.name}" is already registered; pass { replace: true } to replace it on purpose, or choose another name`,
      );
    }
    if (existing !== undefined) this.#notify({ type: 'removed', pipeline: existing });
    this.#pipelines.set(pipeline.name, pipeline);
    this.#notify({ type: 'added', pipeline });
  }

  /** Removes a pipeline; returns whether it was there. */
  remove(name: string): boolean {
    const existing = this.#pipelines.get(name);
    if (existing === undefined) return false;
    this.#pipelines.delete(name);
    this.#notify({ type: 'removed', pipeline: existing });
    return true;
  }

  get(name: string): Pipeline | undefined {
    return this.#pipelines.get(name);
  }

  has(name: string): boolean {
    return this.#pipelines.has(name);
  }

  list(): Pipeline[] {
    return [...this.#pipelines.values()];
  }

  get size(): number {
    return this.#pipelines.size;
  }

  [Symbol.iterator](): Iterator<Pipeline> {
    return this.#pipelines.values();
  }

  /** True when a registry-wide listener or sink exists: events are worth building. */
  get listening(): boolean {
    return this.audience.listening;
  }

  /** @internal Who gets the events now: read by the registry's pipelines on every call. */
  readonly audience = new Audience();

  #updateAudience(): void {
    const audience = this.audience;
    audience.listeners = this.#hub.size > 0;
    audience.sink = fanOut(this.#sinks);
    audience.listening = audience.listeners || audience.sink !== undefined;
  }

  /** Listens to the events of every pipeline in this registry, present and future. */
  on(listener: EventListener): Subscription {
    return this.#hub.on(listener);
  }

  /**
   * Attaches a sink (a metrics adapter): it gets every event of every pipeline, present and
   * future, with the five that every call makes as plain arguments (see `EventSink`).
   */
  attachSink(sink: EventSink): Subscription {
    const checked = checkSink(sink);
    this.#sinks = [...this.#sinks, checked];
    this.#updateAudience();
    return subscription(() => {
      this.#sinks = this.#sinks.filter((s) => s !== checked);
      this.#updateAudience();
    });
  }

  /** @internal Pipelines forward their events here: to listeners, then to sinks. */
  emit(event: RampartEvent): void {
    this.#hub.emit(event);
    const sink = this.audience.sink;
    if (sink === undefined) return;
    try {
      sink.event(event);
    } catch (error) {
      this.sinkFailed(error, event);
    }
  }

  /** @internal A per-call event for listeners only (sinks got it as arguments). */
  notifyListeners(event: RampartEvent): void {
    this.#hub.emit(event);
  }

  /**
   * @internal A sink threw (or several did, gathered in a `SinkFailures`): each error is
   * reported as a throwing listener's is, never rethrown.
   */
  sinkFailed(error: unknown, event: RampartEvent): void {
    for (const each of error instanceof SinkFailures ? error.errors : [error]) {
      try {
        this.onListenerError(each, event);
      } catch {
        // The error handler itself failed: nothing sane is left to report to.
      }
    }
  }

  /**
   * Calls `listener` for every pipeline added or removed from now on; with `replay`, first
   * for every pipeline already registered.
   */
  watch(
    listener: (change: RegistryChange) => void,
    options: { readonly replay?: boolean } = {},
  ): Subscription {
    if (typeof listener !== 'function') throw new TypeError('watch: listener must be a function');
    this.#watchers.add(listener);
    if (options.replay)
      for (const pipeline of this.#pipelines.values()) listener({ type: 'added', pipeline });
    return subscription(() => this.#watchers.delete(listener));
  }

  /**
   * Registers a health monitor under its name (done by `health()`), so metrics adapters and
   * status pages find it; disposing the returned subscription removes it again.
   */
  addHealth(monitor: HealthMonitor): Subscription {
    const existing = this.#health.get(monitor.name);
    if (existing !== undefined && existing !== monitor) {
      throw new Error(
        `a health monitor named "${monitor.name}" is already registered; give this one another name, or dispose() the other first`,
      );
    }
    this.#health.set(monitor.name, monitor);
    return subscription(() => {
      if (this.#health.get(monitor.name) === monitor) this.#health.delete(monitor.name);
    });
  }

  /** The registered health monitors. */
  healthMonitors(): HealthMonitor[] {
    return [...this.#health.values()];
  }

  snapshot(): RegistrySnapshot {
    const pipelines: Record<string, PipelineSnapshot> = {};
    for (const [name, p] of this.#pipelines) pipelines[name] = p.snapshot();
    const health: Record<string, HealthReport | undefined> = {};
    for (const [name, monitor] of this.#health) health[name] = monitor.lastStatus();
    return { pipelines, health };
  }

  #notify(change: RegistryChange): void {
    for (const watcher of [...this.#watchers]) watcher(change);
  }
}

/** The registry that `pipeline()` uses when none is given. */
export const defaultRegistry: Registry = new Registry();

/**
 * Creates a pipeline: `policies` are listed outermost first. It is registered in the
 * default registry unless `options.registry` names another one (or `null`).
 */
export function pipeline(
  name: string,
  policies: readonly AnyPolicy[],
  options: PipelineOptions = {},
): Pipeline {
  const registry = options.registry === undefined ? defaultRegistry : options.registry;
  const created = new Pipeline(name, policies, { ...options, registry });
  return registry === null ? created : created.register(options.replace ?? false);
}
