import {
  type AnyPolicy,
  bulkhead,
  type ChaosOptions,
  type CircuitBreakerOptions,
  type Clock,
  chaos,
  circuitBreaker,
  type FallbackOptions,
  fallback,
  type HedgeOptions,
  hedge,
  type Pipeline,
  pipeline,
  type Registry,
  type RetryBudget,
  type RetryOptions,
  rateLimit,
  retry,
  retryBudget,
  timeout,
} from '@rampart/core';
import type { RampartConfig } from './types.js';

/** The layers a pipeline can be built from, named as in the config. */
export type LayerName =
  | 'fallback'
  | 'breaker'
  | 'retry'
  | 'timeout'
  | 'bulkhead'
  | 'rateLimit'
  | 'hedge'
  | 'chaos';

export const LAYER_NAMES: readonly LayerName[] = [
  'fallback',
  'breaker',
  'retry',
  'timeout',
  'bulkhead',
  'rateLimit',
  'hedge',
  'chaos',
];

/**
 * What code adds to the configured numbers, per layer: predicates, factories and names,
 * which an environment variable cannot express.
 */
export interface LayerCodeOptions<T = unknown> {
  readonly retry?: Pick<Partial<RetryOptions<T>>, 'retryOn' | 'retryOnResult' | 'name' | 'random'>;
  readonly breaker?: Pick<
    Partial<CircuitBreakerOptions<T>>,
    'handles' | 'handlesResult' | 'initialState' | 'name'
  >;
  readonly timeout?: { readonly name?: string };
  readonly bulkhead?: { readonly name?: string };
  readonly rateLimit?: { readonly name?: string };
  readonly hedge?: Pick<Partial<HedgeOptions>, 'handles' | 'name'>;
  /**
   * The fallback's form. Default: the last good result, kept for `RAMPART_FALLBACK_LAST_GOOD_TTL`.
   * A `lastGood` given here keeps its `mark` and takes its `ttl` from the config.
   */
  readonly fallback?: FallbackOptions<T>;
  /** What chaos injects. Default: a fault, `Error('rampart chaos: injected failure')`. */
  readonly chaos?: Pick<Partial<ChaosOptions<T>>, 'fault' | 'result' | 'random' | 'name'>;
}

export interface PipelineFromConfigOptions<T = unknown> {
  /** The layers, outermost first: `['fallback', 'breaker', 'retry', 'timeout', 'bulkhead']`. */
  readonly shape: readonly LayerName[];
  /** @defaultValue the default registry */
  readonly registry?: Registry | null;
  /** Replace a registered pipeline of the same name. @defaultValue false */
  readonly replace?: boolean;
  /** The clock of the pipeline and every policy. @defaultValue systemClock */
  readonly clock?: Clock;
  /**
   * A retry budget for the retry and hedge layers: `true` builds one from the configured
   * `budget` (and `watchConfig` keeps it tuned), or pass one shared with other pipelines.
   * @defaultValue none (retries are bounded only by maxAttempts)
   */
  readonly budget?: boolean | RetryBudget;
  /** Code-only options per layer. */
  readonly with?: LayerCodeOptions<T>;
}

/** The budgets that `pipelineFromConfig` built, so that `watchConfig` can tune them. */
export const configuredBudgets: WeakMap<Pipeline, RetryBudget> = new WeakMap();

const injectedFailure = (): Error => new Error('rampart chaos: injected failure');

/**
 * Builds a pipeline whose every threshold comes from the config: code picks the layers and
 * their order, the environment their numbers. `enabled` follows the kill switch.
 *
 * @example
 * const config = loadConfig({ pipelines: ['payments'] });
 * const payments = pipelineFromConfig('payments', config, {
 *   shape: ['fallback', 'breaker', 'retry', 'timeout', 'bulkhead'],
 *   with: { fallback: { value: null } },
 * });
 */
export function pipelineFromConfig<T = unknown>(
  name: string,
  config: RampartConfig,
  options: PipelineFromConfigOptions<T>,
): Pipeline {
  const settings = Object.hasOwn(config.pipelines, name) ? config.pipelines[name] : undefined;
  if (settings === undefined) {
    const known = Object.keys(config.pipelines);
    throw new TypeError(
      `pipelineFromConfig: "${name}" is not among the configured pipelines (${known.length === 0 ? 'none' : known.join(', ')}); add it to loadConfig({ pipelines })`,
    );
  }
  if (!Array.isArray(options?.shape) || options.shape.length === 0) {
    throw new TypeError(
      `pipelineFromConfig: shape must list the layers, outermost first, e.g. ['breaker', 'retry', 'timeout']`,
    );
  }
  const seen = new Set<string>();
  for (const layer of options.shape) {
    if (!LAYER_NAMES.includes(layer)) {
      throw new TypeError(
        `pipelineFromConfig: unknown layer ${JSON.stringify(layer)}; known layers are ${LAYER_NAMES.join(', ')}`,
      );
    }
    if (seen.has(layer)) throw new TypeError(`pipelineFromConfig: layer ${layer} is listed twice`);
    seen.add(layer);
  }
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const code: LayerCodeOptions<T> = options.with ?? {};
  const budget =
    options.budget === true ? retryBudget({ ...settings.budget, ...clock }) : options.budget || undefined;
  const withBudget = budget === undefined ? {} : { budget };

  const build = (layer: LayerName): AnyPolicy => {
    switch (layer) {
      case 'retry':
        return retry<T>({ ...code.retry, ...settings.retry, ...withBudget, ...clock });
      case 'breaker':
        return circuitBreaker<T>({ ...code.breaker, ...settings.breaker, ...clock });
      case 'timeout':
        return timeout({ ...code.timeout, ...settings.timeout, ...clock });
      case 'bulkhead':
        return bulkhead({ ...code.bulkhead, ...settings.bulkhead, ...clock });
      case 'rateLimit':
        return rateLimit({ ...code.rateLimit, ...settings.rateLimit, ...clock });
      case 'hedge':
        return hedge({ ...code.hedge, ...settings.hedge, ...withBudget, ...clock });
      case 'fallback': {
        const given = code.fallback;
        const ttl = settings.fallback.lastGood.ttl;
        if (given === undefined) return fallback<T>({ lastGood: { ttl }, ...clock });
        if ('lastGood' in given)
          return fallback<T>({ ...clock, ...given, lastGood: { ...given.lastGood, ttl } });
        return fallback<T>({ ...clock, ...given });
      }
      case 'chaos': {
        const injects = code.chaos?.fault !== undefined || code.chaos?.result !== undefined;
        return chaos<T>({
          ...(injects ? {} : { fault: injectedFailure }),
          ...code.chaos,
          ...settings.chaos,
          ...clock,
        });
      }
    }
  };

  const built = pipeline(name, options.shape.map(build), {
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    enabled: settings.enabled,
    ...(options.replace === undefined ? {} : { replace: options.replace }),
    ...clock,
  });
  if (options.budget === true && budget !== undefined) configuredBudgets.set(built, budget);
  return built;
}
