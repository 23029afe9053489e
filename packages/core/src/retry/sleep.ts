import type { Clock } from '../clock.js';
import { NEVER_ABORTED } from '../internal/signals.js';

/**
 * Waits `ms` on `clock`. Resolves `true` when the time has passed, or `false` as soon as
 * `signal` aborts; either way the timer and the abort listener are gone when it resolves.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const listens = signal !== NEVER_ABORTED;
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      if (listens) signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    // `once` removes the listener when it fires; the timer callback removes it otherwise.
    if (listens) signal.addEventListener('abort', onAbort, { once: true });
  });
}
