/**
 * A short, low-cardinality name for an error: its `name` when it says more than "Error"
 * (DOMException's `AbortError`, errors that set their name), else its class name, else
 * its `typeof`. Never the message.
 */
export function errorType(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  try {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    const className = typeof ctor === 'function' ? ctor.name : undefined;
    return typeof className === 'string' && className !== '' && className !== 'Object' ? className : 'Error';
  } catch {
    // A getter that throws (a hostile or revoked proxy): the breaker must still count the call.
    return 'Error';
  }
}
