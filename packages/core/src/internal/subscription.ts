import type { Subscription } from '../types.js';

// Symbol.dispose is missing on older runtimes (browsers, Node < 18.18); fall back to the
// registered symbol that TypeScript's down-level `using` looks up.
const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ??
  (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

/** Wraps a cleanup function as an idempotent `Subscription` (usable with `using`). */
export function subscription(cleanup: () => void): Subscription {
  let done = false;
  const dispose = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  return { dispose, [disposeSymbol]: dispose } as Subscription;
}
