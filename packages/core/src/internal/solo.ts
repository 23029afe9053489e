import type { AnyPolicy, CallContext, PipelineRuntime } from '../types.js';
import { NEVER_ABORTED } from './signals.js';

/*
 * Why this file exists: a pipeline that holds one policy pays for a call frame (the context
 * every layer shares, the reactions to the function's promise, the outcome objects: ~85 ns
 * on Node 20) around a policy whose own work may be a counter and a comparison. A frame is
 * what makes layers compose, time calls and report them; a lone policy whose call nobody
 * observes, run without options, needs none of that. Such a policy may offer a `Solo`: the
 * pipeline hands it the call, and it either runs it without a frame or answers undefined
 * (it cannot decide at once: a bulkhead with no free slot) and the call takes the frame path.
 *
 * What a solo run must keep of the frame path, so that callers cannot tell them apart: the
 * function gets a fresh context (a never-aborted signal, attempt 1, no key); its value, its
 * rejection and its synchronous throw reach the caller as they would (a `ResilienceError`
 * that names no pipeline is given this one's name); the policy's state and bookkeeping are
 * exactly what the stage would leave.
 */

/**
 * Runs `fn` if the call needs nothing but the policy, now; returns the caller's promise, or
 * undefined to have the call run in a frame instead (nothing has been done then).
 */
export type SoloRunner = (fn: (ctx: CallContext) => unknown) => Promise<unknown> | undefined;

/** The frame-less path a policy offers for calls of a pipeline that holds it alone. */
export interface Solo {
  /**
   * The runner for the calls of `pipeline`, made once when the pipeline is built: what it
   * needs of the pipeline (its name, for the errors it names) is bound in, so that a call
   * makes nothing but its context.
   */
  runnerFor(pipeline: PipelineRuntime): SoloRunner;
}

/** Built-in policies that have a solo path hand it out under this key. */
export const SOLO: unique symbol = Symbol('rampart.solo');

export const soloOf = (policy: AnyPolicy): Solo | undefined => (policy as unknown as { [SOLO]?: Solo })[SOLO];

/**
 * Runs `fn` as a solo call: with a fresh context (a never-aborted signal, attempt 1, no key),
 * its settling handed to `onValue` or `onError` in one reaction. A synchronous throw goes to
 * `onError` too, as the frame path counts it: as a rejection. Returns the caller's promise.
 */
export function runSolo(
  fn: (ctx: CallContext) => unknown,
  onValue: (value: unknown) => unknown,
  onError: (error: unknown) => unknown,
): Promise<unknown> {
  let result: unknown;
  try {
    result = fn({ signal: NEVER_ABORTED, attempt: 1, key: undefined });
  } catch (error) {
    try {
      return Promise.resolve(onError(error));
    } catch (failure) {
      return Promise.reject(failure);
    }
  }
  return (result instanceof Promise ? result : Promise.resolve(result)).then(onValue, onError);
}
