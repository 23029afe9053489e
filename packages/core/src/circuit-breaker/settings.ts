import { validateBackoff } from '../backoff/backoff.js';
import type { BackoffSpec } from '../backoff/options.js';
import type { CircuitState } from '../events/types.js';
import { checkDuration, checkFunction, checkNumber, checkObject, checkOneOf } from '../internal/validate.js';
import { checkBreakerSpec } from './breakers/specs.js';
import {
  type BreakerSpec,
  type CircuitBreakerPersistedState,
  type CircuitBreakerSettings,
  CIRCUIT_BREAKER_DEFAULTS as D,
} from './options.js';

export const WHERE = 'circuitBreaker';

/** Every option `circuitBreaker()` accepts. */
export const KNOWN_OPTIONS = [
  'breaker',
  'openFor',
  'halfOpen',
  'handles',
  'handlesResult',
  'initialState',
  'name',
  'clock',
  'random',
] as const;

/** The options `configure()` accepts. */
export const SETTINGS_KEYS = ['breaker', 'openFor', 'halfOpen', 'handles', 'handlesResult'] as const;

const HALF_OPEN_KEYS = ['probes', 'successes', 'maxWait'] as const;
const PERSISTED_KEYS = ['state', 'openedAt', 'reopenCount'] as const;
const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open', 'isolated'];

/** Every setting resolved and checked. */
export interface Settings {
  readonly breaker: BreakerSpec;
  readonly openFor: number | BackoffSpec;
  readonly probes: number;
  readonly successes: number;
  readonly maxWait: number;
  readonly handles: (error: unknown) => boolean;
  readonly handlesResult: ((result: unknown) => boolean) | undefined;
}

const countsEveryError = (): boolean => true;

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  breaker: Object.freeze({ kind: 'consecutive', threshold: D.threshold }),
  openFor: D.openFor,
  probes: D.halfOpen.probes,
  successes: D.halfOpen.successes,
  maxWait: D.halfOpen.maxWait,
  handles: countsEveryError,
  handlesResult: undefined,
});

/**
 * Checks `input` over `base` (the defaults, or the settings in force for `configure()`)
 * and returns the whole new settings; throws before anything is applied.
 */
export function resolveSettings(input: Partial<CircuitBreakerSettings>, base: Settings): Settings {
  const breaker = input.breaker === undefined ? base.breaker : checkBreakerSpec(WHERE, input.breaker);
  const openFor =
    input.openFor === undefined
      ? base.openFor
      : typeof input.openFor === 'number'
        ? checkDuration(WHERE, 'openFor', input.openFor, { min: 1 })
        : validateBackoff(input.openFor, WHERE, 'openFor');
  const halfOpen =
    input.halfOpen === undefined ? {} : checkObject(`${WHERE}: halfOpen`, input.halfOpen, HALF_OPEN_KEYS);
  const probes =
    halfOpen.probes === undefined
      ? base.probes
      : checkNumber(WHERE, 'halfOpen.probes', halfOpen.probes, { min: 1, integer: true });
  const successes =
    halfOpen.successes === undefined
      ? base.successes
      : checkNumber(WHERE, 'halfOpen.successes', halfOpen.successes, { min: 1, integer: true });
  // No Infinity: a hung probe must always end half-open.
  const maxWait =
    halfOpen.maxWait === undefined
      ? base.maxWait
      : checkDuration(WHERE, 'halfOpen.maxWait', halfOpen.maxWait, { min: 1 });
  const handles =
    input.handles === undefined
      ? base.handles
      : checkFunction<(error: unknown) => boolean>(WHERE, 'handles', input.handles);
  // `handlesResult: undefined` given explicitly (configure) means "no result counts as a failure".
  const handlesResult =
    'handlesResult' in input
      ? input.handlesResult === undefined
        ? undefined
        : checkFunction<(result: unknown) => boolean>(WHERE, 'handlesResult', input.handlesResult)
      : base.handlesResult;
  return { breaker, openFor, probes, successes, maxWait, handles, handlesResult };
}

/** Checks a state saved by `toJSON()` (or written by hand) before restoring it. */
export function checkPersistedState(value: unknown): CircuitBreakerPersistedState {
  const input = checkObject(`${WHERE}: initialState`, value, PERSISTED_KEYS);
  const state = checkOneOf(WHERE, 'initialState.state', input.state, STATES);
  const openedAt =
    input.openedAt === undefined || input.openedAt === null
      ? undefined
      : checkNumber(WHERE, 'initialState.openedAt (ms)', input.openedAt, { min: Number.MIN_SAFE_INTEGER });
  const reopenCount =
    input.reopenCount === undefined
      ? 0
      : checkNumber(WHERE, 'initialState.reopenCount', input.reopenCount, { min: 0, integer: true });
  return { state, openedAt, reopenCount };
}
