import { checkNumber, checkObject, checkOneOf } from '../internal/validate.js';
import {
  BACKOFF_DEFAULTS,
  BACKOFF_KINDS,
  type BackoffKind,
  type BackoffSpec,
  type ConstantBackoffOptions,
  type ExponentialBackoffOptions,
  type FibonacciBackoffOptions,
  JITTERS,
  type Jitter,
  type LinearBackoffOptions,
  MAX_TIMER_DELAY,
} from './options.js';

/** Specs built here or already checked by `validateBackoff`: checking them again is a lookup. */
const validated = new WeakSet<BackoffSpec>();

const SPEC_FIELDS = ['kind', 'initial', 'factor', 'max', 'jitter'] as const;

/**
 * Largest factor accepted: the same bound as every duration, so that one range fits a
 * factor and a linear step alike (a huge factor only reaches `max` sooner: the growth is
 * capped, never overflows to NaN).
 */
const MAX_FACTOR = MAX_TIMER_DELAY;

interface RawSpec {
  readonly initial: unknown;
  readonly factor: unknown;
  readonly max: unknown;
  readonly jitter: unknown;
}

/**
 * Checks every field of a backoff and freezes it. `prefix` is prepended to field names in
 * messages ("backoff." for a plain spec, "" for a factory), and `stepName` is how the user
 * spelled linear's step (`step` in `backoff.linear`, `factor` in a plain spec).
 */
function build(
  where: string,
  prefix: string,
  kind: BackoffKind,
  raw: RawSpec,
  stepName: string,
): BackoffSpec {
  const initial = checkNumber(where, `${prefix}initial (ms)`, raw.initial ?? BACKOFF_DEFAULTS.initial, {
    max: MAX_TIMER_DELAY,
  });
  let factor: number;
  if (kind === 'exponential') {
    factor = checkNumber(where, `${prefix}factor`, raw.factor ?? BACKOFF_DEFAULTS.factor, {
      min: 1,
      max: MAX_FACTOR,
    });
  } else if (kind === 'linear') {
    factor = checkNumber(where, `${prefix}${stepName} (ms)`, raw.factor ?? initial, { max: MAX_TIMER_DELAY });
  } else {
    // constant and fibonacci do not use it; a given value must still be a sane number.
    if (raw.factor !== undefined) checkNumber(where, `${prefix}factor`, raw.factor, { max: MAX_FACTOR });
    factor = 1;
  }
  const max = checkNumber(
    where,
    `${prefix}max (ms)`,
    raw.max ?? (kind === 'constant' ? initial : BACKOFF_DEFAULTS.max),
    { max: MAX_TIMER_DELAY },
  );
  if (max < initial) {
    const initialName = kind === 'constant' && prefix === '' ? 'the delay' : `${prefix}initial`;
    throw new RangeError(
      `${where}: ${prefix}max (ms) must be >= ${initialName} (${initial} ms), got ${max}; raise max or lower ${initialName}`,
    );
  }
  const jitter = checkOneOf(where, `${prefix}jitter`, raw.jitter ?? BACKOFF_DEFAULTS.jitter, JITTERS);
  const spec: BackoffSpec = Object.freeze({ kind, initial, factor, max, jitter });
  validated.add(spec);
  return spec;
}

/**
 * Checks a backoff given as plain data (from `@rampart/config`, a JSON file, or a factory)
 * and returns it frozen. Missing fields take their defaults (`BACKOFF_DEFAULTS`; linear's
 * step defaults to `initial`, constant's `max` to `initial`). Policies call it on their
 * backoff options, e.g. `validateBackoff(options.openFor, 'circuitBreaker', 'openFor')`.
 *
 * @param where - who is asking, first word of every error message (e.g. `retry`)
 * @param option - the option holding the spec, named in error messages
 * @throws TypeError or RangeError naming the field, the value and what is allowed
 */
export function validateBackoff(spec: unknown, where = 'backoff', option = 'backoff'): BackoffSpec {
  if (typeof spec === 'object' && spec !== null && validated.has(spec as BackoffSpec)) {
    return spec as BackoffSpec;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(
      `${where}: ${option} must be a backoff (backoff.exponential(), backoff.constant(ms), …) or an object with ${SPEC_FIELDS.join(', ')}; got ${spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec === 'string' ? JSON.stringify(spec) : String(spec)}`,
    );
  }
  for (const field of Object.keys(spec)) {
    if (!(SPEC_FIELDS as readonly string[]).includes(field)) {
      throw new TypeError(
        `${where}: ${option} has an unknown field "${field}"; known fields are ${SPEC_FIELDS.join(', ')}`,
      );
    }
  }
  const raw = spec as Partial<Record<(typeof SPEC_FIELDS)[number], unknown>>;
  const kind = checkOneOf(where, `${option}.kind`, raw.kind ?? BACKOFF_DEFAULTS.kind, BACKOFF_KINDS);
  return build(
    where,
    `${option}.`,
    kind,
    { initial: raw.initial, factor: raw.factor, max: raw.max, jitter: raw.jitter },
    'factor',
  );
}

/** The same delay before every retry: `delay` ms (0..delay with the default full jitter). */
function constant(delay: number, options: ConstantBackoffOptions = {}): BackoffSpec {
  const where = 'backoff.constant';
  const o = checkObject(where, options, ['jitter', 'max']);
  checkNumber(where, 'delay (ms)', delay, { max: MAX_TIMER_DELAY });
  return build(
    where,
    '',
    'constant',
    { initial: delay, factor: undefined, max: o.max, jitter: o.jitter },
    '',
  );
}

/** `initial`, `initial + step`, `initial + 2 × step`, … capped by `max`. */
function linear(options: LinearBackoffOptions): BackoffSpec {
  const where = 'backoff.linear';
  const o = checkObject(where, options, ['initial', 'step', 'max', 'jitter']);
  if (o.initial === undefined) throw new TypeError(`${where}: initial (ms) is required, got undefined`);
  return build(
    where,
    '',
    'linear',
    { initial: o.initial, factor: o.step, max: o.max, jitter: o.jitter },
    'step',
  );
}

/** `initial`, `initial × factor`, `initial × factor²`, … capped by `max` (defaults: 200 ms, ×2, 30 s). */
function exponential(options: ExponentialBackoffOptions = {}): BackoffSpec {
  const where = 'backoff.exponential';
  const o = checkObject(where, options, ['initial', 'factor', 'max', 'jitter']);
  return build(
    where,
    '',
    'exponential',
    { initial: o.initial, factor: o.factor, max: o.max, jitter: o.jitter },
    'factor',
  );
}

/** `initial` × 1, 1, 2, 3, 5, 8, … capped by `max`: gentler growth than exponential. */
function fibonacci(options: FibonacciBackoffOptions): BackoffSpec {
  const where = 'backoff.fibonacci';
  const o = checkObject(where, options, ['initial', 'max', 'jitter']);
  if (o.initial === undefined) throw new TypeError(`${where}: initial (ms) is required, got undefined`);
  return build(
    where,
    '',
    'fibonacci',
    { initial: o.initial, factor: undefined, max: o.max, jitter: o.jitter },
    '',
  );
}

/**
 * Backoff factories. Each returns a frozen, validated `BackoffSpec` (plain data) for
 * `retry({ backoff })`, a circuit breaker's `openFor`, or anything that waits between tries.
 *
 * @example
 * backoff.exponential({ initial: 100, max: 5_000 })   // 100, 200, 400, … ms, full jitter
 * backoff.constant(1_000, { jitter: 'none' })          // 1 s, 1 s, 1 s, …
 */
export const backoff = Object.freeze({ constant, linear, exponential, fibonacci });

/** The kind's delay before retry `n` (1-based), capped by `max`, before any jitter. */
function baseDelay(spec: BackoffSpec, n: number): number {
  const { initial, max } = spec;
  switch (spec.kind) {
    case 'constant':
      return Math.min(initial, max);
    case 'linear':
      return Math.min(max, initial + spec.factor * (n - 1));
    case 'exponential':
      // initial 0 would make 0 × Infinity = NaN once factor^(n-1) overflows.
      return initial === 0 ? 0 : Math.min(max, initial * spec.factor ** (n - 1));
    case 'fibonacci': {
      if (initial === 0) return 0;
      let a = 1; // fib(1)
      let b = 1; // fib(2)
      // Stops as soon as the cap is reached, so a huge n costs a few dozen steps at most.
      for (let i = 2; i <= n && initial * a < max; i++) {
        const sum = a + b;
        a = b;
        b = sum;
      }
      return Math.min(max, initial * a);
    }
  }
}

/**
 * The delay (ms) before retry `retry` (1 = the first retry) under `spec`.
 *
 * @param previousDelay - the delay this function returned for the previous retry of the
 *   same call (used by `decorrelated` jitter; `undefined` for the first retry)
 * @param random - random source in [0, 1) (inject a seeded one in tests)
 */
export function backoffDelay(
  spec: BackoffSpec,
  retry: number,
  previousDelay?: number,
  random: () => number = Math.random,
): number {
  const n = retry >= 1 ? Math.floor(retry) : 1;
  const jitter: Jitter = spec.jitter;
  if (jitter === 'decorrelated') {
    const previous =
      previousDelay === undefined || !(previousDelay >= spec.initial) ? spec.initial : previousDelay;
    const low = spec.initial;
    const high = previous * 3;
    return Math.min(spec.max, low + random() * (high - low));
  }
  const d = baseDelay(spec, n);
  if (jitter === 'none') return d;
  if (jitter === 'full') return random() * d;
  return d / 2 + random() * (d / 2); // equal
}
