import { checkDuration, checkNumber, checkObject, checkOneOf } from '../../internal/validate.js';
import {
  BREAKER_KINDS,
  type BreakerSpec,
  type ConsecutiveBreakerSpec,
  type CountBreakerSpec,
  CIRCUIT_BREAKER_DEFAULTS as D,
  type SamplingBreakerSpec,
} from '../options.js';

/** A count window keeps one byte per call: a million calls is the most worth remembering. */
export const MAX_COUNT_SIZE = 1_000_000;
/** More buckets only add memory and roll-over work: a thousand gives 0.1 % resolution. */
export const MAX_BUCKETS = 1_000;

const CONSECUTIVE_KEYS = ['kind', 'threshold'] as const;
const SLOW_KEYS = ['slowCallDuration', 'slowCallRatio'] as const;
const COUNT_KEYS = ['kind', 'size', 'failureRatio', 'minimumCalls', ...SLOW_KEYS] as const;
const SAMPLING_KEYS = ['kind', 'window', 'buckets', 'failureRatio', 'minimumCalls', ...SLOW_KEYS] as const;

type Input<S> = { readonly [K in Exclude<keyof S, 'kind'>]?: S[K] | undefined };

/** A ratio in (0, 1]: 0 would open the circuit on a window without a single failure. */
function checkRatio(where: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new TypeError(`${where}: ${option} must be a number, got ${shown}`);
  }
  if (!(value > 0 && value <= 1)) {
    throw new RangeError(`${where}: ${option} must be a number greater than 0 and at most 1, got ${value}`);
  }
  return value;
}

function slowCall(where: string, prefix: string, input: Input<CountBreakerSpec>) {
  return {
    slowCallDuration: checkDuration(
      where,
      `${prefix}slowCallDuration`,
      input.slowCallDuration ?? D.slowCallDuration,
      { allowInfinity: true },
    ),
    slowCallRatio: checkRatio(where, `${prefix}slowCallRatio`, input.slowCallRatio ?? D.slowCallRatio),
  };
}

function consecutiveSpec(where: string, prefix: string, input: Input<ConsecutiveBreakerSpec>) {
  const spec: ConsecutiveBreakerSpec = {
    kind: 'consecutive',
    threshold: checkNumber(where, `${prefix}threshold`, input.threshold ?? D.threshold, {
      min: 1,
      integer: true,
    }),
  };
  return Object.freeze(spec);
}

function countSpec(where: string, prefix: string, input: Input<CountBreakerSpec>) {
  const size = checkNumber(where, `${prefix}size`, input.size ?? D.size, {
    min: 1,
    max: MAX_COUNT_SIZE,
    integer: true,
  });
  // A window smaller than the default minimum could never open; default to its size instead.
  const minimumCalls = checkNumber(
    where,
    `${prefix}minimumCalls`,
    input.minimumCalls ?? Math.min(D.minimumCalls, size),
    {
      min: 1,
      max: size,
      integer: true,
    },
  );
  const spec: CountBreakerSpec = {
    kind: 'count',
    size,
    failureRatio: checkRatio(where, `${prefix}failureRatio`, input.failureRatio ?? D.failureRatio),
    minimumCalls,
    ...slowCall(where, prefix, input),
  };
  return Object.freeze(spec);
}

function samplingSpec(where: string, prefix: string, input: Input<SamplingBreakerSpec>) {
  const window = checkDuration(where, `${prefix}window`, input.window ?? D.window, { min: 1 });
  // A bucket shorter than 1 ms buys no resolution (clocks tick in ms) and costs memory.
  const buckets = checkNumber(where, `${prefix}buckets`, input.buckets ?? D.buckets, {
    min: 1,
    max: Math.max(1, Math.min(MAX_BUCKETS, Math.floor(window))),
    integer: true,
  });
  const spec: SamplingBreakerSpec = {
    kind: 'sampling',
    window,
    buckets,
    failureRatio: checkRatio(where, `${prefix}failureRatio`, input.failureRatio ?? D.failureRatio),
    minimumCalls: checkNumber(where, `${prefix}minimumCalls`, input.minimumCalls ?? D.minimumCalls, {
      min: 1,
      integer: true,
    }),
    ...slowCall(where, prefix, input),
  };
  return Object.freeze(spec);
}

/**
 * Validates a breaker spec given as plain data (from `breakers.*`, from `@rampart/config` or
 * from a file), fills in defaults for absent fields and returns it frozen. `prefix` names
 * the option in messages (`breaker.`).
 */
export function checkBreakerSpec(where: string, value: unknown, prefix = 'breaker.'): BreakerSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const shown =
      typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : String(value);
    throw new TypeError(
      `${where}: ${prefix.slice(0, -1) || 'breaker'} must be a breaker (breakers.consecutive(n), breakers.count({…}), breakers.sampling({…})) or an object with a kind; got ${shown}`,
    );
  }
  const input = value as Record<string, unknown>;
  const kind = checkOneOf(where, `${prefix}kind`, input.kind, BREAKER_KINDS);
  const known = kind === 'consecutive' ? CONSECUTIVE_KEYS : kind === 'count' ? COUNT_KEYS : SAMPLING_KEYS;
  for (const key of Object.keys(input)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new TypeError(
        `${where}: ${prefix}${key} does not apply to a ${kind} breaker; its options are ${known.join(', ')}`,
      );
    }
  }
  if (kind === 'consecutive') return consecutiveSpec(where, prefix, input);
  if (kind === 'count') return countSpec(where, prefix, input);
  return samplingSpec(where, prefix, input);
}

/** Options of `breakers.count()`: the spec's fields, each optional. */
export type CountBreakerOptions = Partial<Omit<CountBreakerSpec, 'kind'>>;
/** Options of `breakers.sampling()`: the spec's fields, each optional. */
export type SamplingBreakerOptions = Partial<Omit<SamplingBreakerSpec, 'kind'>>;

/**
 * Opens after `threshold` failures in a row.
 *
 * @example breakers.consecutive(5)
 */
function consecutive(threshold: number = D.threshold): ConsecutiveBreakerSpec {
  return consecutiveSpec('breakers.consecutive', '', { threshold });
}

/**
 * Opens when at least `failureRatio` (or `slowCallRatio` slow calls) of the last `size`
 * calls failed, once the window holds `minimumCalls` calls.
 *
 * @example breakers.count({ size: 100, failureRatio: 0.5, minimumCalls: 20 })
 */
function count(options: CountBreakerOptions = {}): CountBreakerSpec {
  const input = checkObject('breakers.count', options, COUNT_KEYS.slice(1));
  return countSpec('breakers.count', '', input as CountBreakerOptions);
}

/**
 * Opens when at least `failureRatio` (or `slowCallRatio` slow calls) of the calls of the
 * last `window` ms failed, once the window holds `minimumCalls` calls. The window slides
 * in `buckets` steps; memory is fixed, whatever the traffic.
 *
 * @example breakers.sampling({ window: 60_000, failureRatio: 0.5, minimumCalls: 20 })
 */
function sampling(options: SamplingBreakerOptions = {}): SamplingBreakerSpec {
  const input = checkObject('breakers.sampling', options, SAMPLING_KEYS.slice(1));
  return samplingSpec('breakers.sampling', '', input as SamplingBreakerOptions);
}

/** The breaker algorithms of `circuitBreaker({ breaker })`. Each returns a frozen, validated spec. */
export const breakers = Object.freeze({ consecutive, count, sampling });
