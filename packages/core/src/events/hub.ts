import { subscription } from '../internal/subscription.js';
import type { Subscription } from '../types.js';
import type { EventListener, RampartEvent } from './types.js';

/** Called when a listener throws; the call that emitted the event goes on regardless. */
export type ListenerErrorHandler = (error: unknown, event: RampartEvent) => void;

/** Default report of a throwing listener: one console line, never an exception. */
export const reportListenerError: ListenerErrorHandler = (error, event) => {
  console.error(`rampart: an event listener threw while handling "${event.type}"`, error);
};

/**
 * A list of listeners. Listeners are kept in an array that is replaced, never mutated,
 * on (un)subscribe, so that emitting iterates a stable list without copying it.
 */
export class EventHub {
  #listeners: readonly EventListener[] = [];
  readonly #onError: () => ListenerErrorHandler;
  readonly #onChange: (() => void) | undefined;

  /** @param onChange - called after a listener is added or removed */
  constructor(onError: () => ListenerErrorHandler = () => reportListenerError, onChange?: () => void) {
    this.#onError = onError;
    this.#onChange = onChange;
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.length;
  }

  on(listener: EventListener): Subscription {
    if (typeof listener !== 'function') {
      throw new TypeError(`listener must be a function, got ${typeof listener}`);
    }
    this.#listeners = [...this.#listeners, listener];
    this.#onChange?.();
    return subscription(() => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
      this.#onChange?.();
    });
  }

  /** Delivers `event` to every listener; a listener that throws is reported and skipped. */
  emit(event: RampartEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.#onError()(error, event);
        } catch {
          // The error handler itself failed: nothing sane is left to report to, and the
          // protected call must go on.
        }
      }
    }
  }
}
