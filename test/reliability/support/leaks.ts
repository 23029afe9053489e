import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Abort listeners currently registered on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

let gcFunction: (() => void) | undefined;

/** A full, synchronous garbage collection (exposes V8's `gc` once, without a CLI flag). */
export function forceGc(): void {
  if (gcFunction === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as () => void;
  }
  // Twice: the first pass can leave objects that only die once their finalizers have run.
  gcFunction();
  gcFunction();
}

/** Used heap after a full collection, in bytes. */
export function heapAfterGc(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** The kinds of the active libuv handles and requests, sorted (timers, sockets, …). */
export function activeResources(): string[] {
  return [...process.getActiveResourcesInfo()].sort();
}

/**
 * Resources active now that were not active in `baseline` (by kind and count). The test
 * runner's own handles may come and go; what a test leaves behind shows up as an increase.
 */
export function resourcesAddedSince(baseline: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const kind of baseline) left.set(kind, (left.get(kind) ?? 0) + 1);
  const added: string[] = [];
  for (const kind of activeResources()) {
    const n = left.get(kind) ?? 0;
    if (n > 0) left.set(kind, n - 1);
    else added.push(kind);
  }
  return added;
}

/** Collects unhandled rejections while `watch` is active; `stop()` returns them. */
export function watchUnhandledRejections(): { stop(): unknown[] } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return {
    stop() {
      process.off('unhandledRejection', onRejection);
      return seen;
    },
  };
}

/** Lets every queued microtask and I/O callback run (one full turn of the event loop). */
export function drainEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
