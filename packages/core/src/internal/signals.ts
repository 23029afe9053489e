/**
 * The signal handed to calls whose caller gave none: one shared signal that never aborts,
 * so that `ctx.signal` is always defined and costs nothing to provide.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** What a call aborted for `reason` fails with: the reason, or a standard AbortError when it has none. */
export function abortErrorFor(reason: unknown): unknown {
  return reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The reason to fail with when `signal` is aborted (its reason, or a standard AbortError). */
export function abortReason(signal: AbortSignal): unknown {
  return abortErrorFor(signal.reason);
}
