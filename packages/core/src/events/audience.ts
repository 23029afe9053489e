import type { EventSink } from './sink.js';

/**
 * Who receives a registry's events right now, kept current by the registry as listeners and
 * sinks come and go. Every policy asks "does anyone listen?" several times a call; its
 * pipeline answers from this cell with two field reads, where walking from the pipeline
 * through the registry to each list of listeners took several times as long.
 */
export class Audience {
  /** A registry-wide listener exists: the per-call events are wanted as objects too. */
  listeners = false;
  /**
   * The attached sinks as one (see `fanOut`), or undefined when there is none: a call's
   * report is then one guarded method call, with no list to walk.
   */
  sink: EventSink | undefined = undefined;
  /** Anyone at all: events are worth building. */
  listening = false;
}

/** The audience of a pipeline outside any registry: nobody, for good. */
export const NO_AUDIENCE: Readonly<Audience> = Object.freeze(new Audience());
