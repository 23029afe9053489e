import { ResilienceError } from '../errors.js';

/**
 * Attempt counts of errors that escaped a retry policy. A WeakMap, so the user's error is
 * never wrapped nor changed, and the entry goes away with the error.
 */
const attemptCounts = new WeakMap<object, number>();

/**
 * How many attempts were made before `error` escaped a retry policy (the outermost one when
 * retries are nested), or `undefined` when it did not come out of a retry policy or is not
 * an object (a thrown string cannot carry anything).
 *
 * @example
 * try { await payments.execute(charge) } catch (error) { log.warn({ attempts: attemptsOf(error) }) }
 */
export function attemptsOf(error: unknown): number | undefined {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    return attemptCounts.get(error);
  }
  return undefined;
}

/** Attaches the attempt count to an escaping error; our own errors also get an `attempts` property. */
export function recordAttempts(error: unknown, attempts: number): void {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    attemptCounts.set(error, attempts);
    // Reflect.set returns false instead of throwing when the error was frozen.
    if (error instanceof ResilienceError) Reflect.set(error, 'attempts', attempts);
  }
}
