import type { Attributes } from '@opentelemetry/api';
import { ATTR_PIPELINE } from './constants.js';
import { ErrorTypeLimiter } from './error-type.js';
import type { HistogramState } from './histogram-producer.js';

/** One attribute value in a cache key; `undefined` leaves the attribute out. */
export type Key = string | undefined;

/**
 * One series of one instrument: its frozen attributes and, for counters, its running total;
 * for histograms that rampart aggregates itself, its buckets.
 */
export interface Series {
  readonly attributes: Attributes;
  /** Counters only: the total since `instrument()` (reported by an observable counter). */
  value: number;
  /** Histograms with `histograms: 'producer'` only, from the first recording on. */
  histogram: HistogramState | undefined;
}

type Level3 = Map<Key, Series>;
type Level2 = Map<Key, Level3>;
type Level1 = Map<Key, Level2>;

/**
 * The series of one instrument, keyed by pipeline and up to three attribute values. A
 * recording finds its series through nested maps instead of building an attributes object,
 * so the hot path makes no object and concatenates no string. The error-type limiter of
 * each pipeline lives here too, because the `error.type` cap is per instrument and pipeline.
 *
 * Series are kept for the life of the instrumentation, as the SDK keeps them: a pipeline
 * replaced under the same name goes on counting from where the old one stopped.
 */
export class SeriesCache {
  readonly #base: Attributes;
  readonly #names: readonly [Key, Key, Key];
  readonly #errorTypeLimit: number;
  readonly #byPipeline = new Map<string, Level1>();
  readonly #errorTypes = new Map<string, ErrorTypeLimiter>();
  /** Every series, for observable counters to report at collection. */
  readonly all: Series[] = [];
  // The series found last and its key: a pipeline called in a loop (or a service with one
  // busy dependency) finds its series with four comparisons instead of four map lookups.
  #lastPipeline: string | undefined = undefined;
  #lastA: Key = undefined;
  #lastB: Key = undefined;
  #lastC: Key = undefined;
  #last: Series | undefined = undefined;

  /**
   * @param base - attributes on every series (the user's `attributes` option)
   * @param names - the attribute names of the three key positions (unused ones undefined)
   */
  constructor(base: Attributes, names: readonly Key[], errorTypeLimit: number) {
    this.#base = base;
    this.#names = [names[0], names[1], names[2]];
    this.#errorTypeLimit = errorTypeLimit;
  }

  /** The series for `pipeline` with values `a`, `b`, `c` at the three key positions. */
  get(pipeline: string, a?: Key, b?: Key, c?: Key): Series {
    const last = this.#last;
    if (
      last !== undefined &&
      pipeline === this.#lastPipeline &&
      a === this.#lastA &&
      b === this.#lastB &&
      c === this.#lastC
    ) {
      return last;
    }
    let l1 = this.#byPipeline.get(pipeline);
    if (l1 === undefined) {
      l1 = new Map();
      this.#byPipeline.set(pipeline, l1);
    }
    let l2 = l1.get(a);
    if (l2 === undefined) {
      l2 = new Map();
      l1.set(a, l2);
    }
    let l3 = l2.get(b);
    if (l3 === undefined) {
      l3 = new Map();
      l2.set(b, l3);
    }
    let series = l3.get(c);
    if (series === undefined) {
      series = { attributes: this.#build(pipeline, a, b, c), value: 0, histogram: undefined };
      l3.set(c, series);
      this.all.push(series);
    }
    this.#lastPipeline = pipeline;
    this.#lastA = a;
    this.#lastB = b;
    this.#lastC = c;
    this.#last = series;
    return series;
  }

  /** The bounded `error.type` of `error` for this instrument in `pipeline`. */
  errorType(pipeline: string, error: unknown): string {
    let limiter = this.#errorTypes.get(pipeline);
    if (limiter === undefined) {
      limiter = new ErrorTypeLimiter(this.#errorTypeLimit);
      this.#errorTypes.set(pipeline, limiter);
    }
    return limiter.of(error);
  }

  #build(pipeline: string, a: Key, b: Key, c: Key): Attributes {
    const attrs: Attributes = { ...this.#base, [ATTR_PIPELINE]: pipeline };
    const [n1, n2, n3] = this.#names;
    if (n1 !== undefined && a !== undefined) attrs[n1] = a;
    if (n2 !== undefined && b !== undefined) attrs[n2] = b;
    if (n3 !== undefined && c !== undefined) attrs[n3] = c;
    return Object.freeze(attrs);
  }
}
