import { ERROR_TYPE_OTHER, ERROR_TYPE_RESULT } from './constants.js';

/** `error.type` of an error that carries an HTTP status, by the status' hundreds digit. */
const STATUS_CLASSES = ['', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * What may become an `error.type` value: an identifier-like class name. Anything else (a
 * `name` that somebody filled with a message, a URL, user data) is reported as `_OTHER`.
 */
const SAFE_TYPE = /^[A-Za-z0-9_$][A-Za-z0-9_$.:-]{0,63}$/;

/**
 * The raw `error.type` of a failure: the HTTP status class (`5xx`) when the error carries a
 * numeric `status` or `statusCode`, else its `name` (or constructor name when the name is
 * the generic `Error`), else `_OTHER`; `_RESULT` when there is no error (a result failed).
 * Never the message. Reads only a few properties and builds no string.
 */
export function rawErrorType(error: unknown): string {
  if (error === undefined) return ERROR_TYPE_RESULT;
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    return ERROR_TYPE_OTHER;
  }
  try {
    const e = error as {
      readonly status?: unknown;
      readonly statusCode?: unknown;
      readonly name?: unknown;
    };
    const status = typeof e.status === 'number' ? e.status : e.statusCode;
    if (typeof status === 'number' && status >= 100 && status < 600) {
      return STATUS_CLASSES[Math.trunc(status / 100)] ?? ERROR_TYPE_OTHER;
    }
    const name = e.name;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
    const ctor = (error as { readonly constructor?: { readonly name?: unknown } }).constructor;
    const ctorName = ctor?.name;
    if (typeof ctorName === 'string' && ctorName !== '' && ctorName !== 'Object') return ctorName;
    return typeof name === 'string' && name !== '' ? name : ERROR_TYPE_OTHER;
  } catch {
    // A getter that throws (a Proxy, a hostile object): the metric must not break the call.
    return ERROR_TYPE_OTHER;
  }
}

/**
 * Bounds the distinct `error.type` values of one instrument in one pipeline: the first
 * `limit` distinct safe types are kept, every later new one becomes `_OTHER`, so a flood of
 * unusual errors cannot explode the number of series.
 */
export class ErrorTypeLimiter {
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The bounded `error.type` for `error`. */
  of(error: unknown): string {
    return this.bound(rawErrorType(error));
  }

  /** The bounded value for a raw type. */
  bound(type: string): string {
    if (this.#seen.has(type)) return type;
    if (type === ERROR_TYPE_OTHER || type === ERROR_TYPE_RESULT) return type;
    if (this.#seen.size >= this.#limit || !SAFE_TYPE.test(type)) return ERROR_TYPE_OTHER;
    this.#seen.add(type);
    return type;
  }

  /** Distinct types kept so far. */
  get size(): number {
    return this.#seen.size;
  }
}
