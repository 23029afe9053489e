/*
 * The least a policy can do, written by hand for this one benchmark with nothing around it:
 * floors that show how much of a policy's cost any implementation must pay, not contenders.
 * None has a pipeline, events, options or checks; each handles exactly the calls the
 * benchmark makes (work() resolving at once).
 */
import { work } from './fixtures.js';

/**
 * A call with a timer around it, written the leanest correct way: the timer (armed by the
 * caller just before) is cleared in one reaction to either outcome.
 */
export function timerPairAround(timer: ReturnType<typeof setTimeout>): Promise<unknown> {
  return work().then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    (error: unknown) => {
      clearTimeout(timer);
      throw error;
    },
  );
}

let bulkheadActive = 0;

/** A bulkhead of 10: count the slot, run the function, give the slot back in one reaction. */
export function handWrittenBulkhead(): Promise<number> {
  if (bulkheadActive >= 10) return Promise.reject(new Error('bulkhead full'));
  bulkheadActive++;
  return work().then(
    (value) => {
      bulkheadActive--;
      return value;
    },
    (error: unknown) => {
      bulkheadActive--;
      throw error;
    },
  );
}

const noop = (): void => {};

/** The resolvers of the promise being made, handed over without a closure per call. */
const captured = { resolve: noop as (value: unknown) => void, reject: noop as (error: unknown) => void };
const capture = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
  captured.resolve = resolve;
  captured.reject = reject;
};

/**
 * What an aggressive timeout must keep for a call: the context it hands the function (whose
 * signal is made only when read, since an AbortController costs microseconds), the caller's
 * promise (which the deadline settles at once, before the function does), and the timer.
 */
class TimedCall {
  readonly attempt = 1;
  readonly key = undefined;
  controller: AbortController | undefined = undefined;
  settled = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  resolve: (value: unknown) => void = noop;
  reject: (error: unknown) => void = noop;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
}

/** The deadline passed: abort the function's signal (if it read it) and fail the caller now. */
function expire(call: TimedCall): void {
  if (call.settled) return;
  call.settled = true;
  const error = new Error('timed out');
  call.controller?.abort(error);
  call.reject(error);
}

/** A 1 s aggressive timeout: one context, one promise, one timer, one reaction. */
export function handWrittenTimeout(fn: (ctx: TimedCall) => Promise<unknown>): Promise<unknown> {
  const call = new TimedCall();
  // The resolvers through one shared executor: no closure made per call.
  const promise = new Promise(capture);
  call.resolve = captured.resolve;
  call.reject = captured.reject;
  call.timer = setTimeout(expire, 1_000, call).unref();
  fn(call).then(
    (value) => {
      if (call.settled) return;
      call.settled = true;
      clearTimeout(call.timer);
      call.resolve(value);
    },
    (error: unknown) => {
      if (call.settled) return;
      call.settled = true;
      clearTimeout(call.timer);
      call.reject(error);
    },
  );
  return promise;
}
