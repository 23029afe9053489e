import { type Clock, systemClock } from '../clock.js';
import { checkBoolean, checkFunction, checkObject } from '../internal/validate.js';
import { parseRetryAfter } from '../retry/retry-after.js';
import { isTransientStatus } from '../transient.js';
import type { CallContext, ExecuteOptions } from '../types.js';
import { HttpStatusError } from './http-status-error.js';

const WHERE = 'resilientFetch';
const KNOWN = ['fetch', 'notFoundAsNull', 'retryNonIdempotent', 'failOn', 'key', 'clock'] as const;

/** Methods that RFC 9110 defines as idempotent: sending one twice does no more than once. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Any function with the signature of the global `fetch`. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** What the wrapper runs requests through: a `Pipeline`, or anything with its `execute`. */
export interface PipelineLike {
  execute<T>(fn: (ctx: CallContext) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<T>;
  /** Used to measure `Retry-After` dates; the pipeline's clock when it has one. */
  readonly clock?: Clock;
}

export interface ResilientFetchOptions {
  /**
   * The fetch to protect.
   * @defaultValue the global `fetch` (undici in Node)
   */
  readonly fetch?: FetchLike;
  /** Answer `null` for a 404 instead of the response. @defaultValue false */
  readonly notFoundAsNull?: boolean;
  /**
   * Let retry and hedge policies repeat non-idempotent requests (POST, PATCH, …) too. Leave
   * it off unless the server deduplicates them; a request with an `Idempotency-Key` header
   * is treated as idempotent anyway. @defaultValue false
   */
  readonly retryNonIdempotent?: boolean;
  /**
   * Which statuses fail the call with an `HttpStatusError` (so retry, breaker and fallback
   * see them); other responses are answered as they are.
   * @defaultValue isTransientStatus (408, 429 and 5xx)
   */
  readonly failOn?: (status: number) => boolean;
  /** The operation key of each call (low cardinality: it may become a metric label). */
  readonly key?:
    | string
    | ((request: { readonly method: string; readonly url: string }) => string | undefined);
  /** Clock for `Retry-After` dates. @defaultValue the pipeline's clock, else systemClock */
  readonly clock?: Clock;
}

/** A fetch-compatible function whose requests run through a pipeline. */
export type ResilientFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
/** Like `ResilientFetch`, answering `null` for a 404 (`notFoundAsNull: true`). */
export type ResilientFetchOrNull = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response | null>;

/**
 * Wraps `fetch` so that every request runs through `pipeline`:
 *
 * - responses whose status `failOn` accepts (408, 429, 5xx) fail the attempt with an
 *   `HttpStatusError` carrying `status`, `retryAfter` (ms, from `Retry-After` seconds or
 *   date) and the response, so retry and circuit breaker count them and back off;
 * - the pipeline's signal (timeouts, the caller's signal, lost hedges) aborts the request;
 * - non-idempotent requests (POST, PATCH, CONNECT and unknown methods, and requests whose
 *   body is a stream that cannot be sent twice) are sent at most once per call: the call
 *   runs with `idempotent: false`, which retry and hedge policies honour, and the wrapper
 *   itself answers any repeated attempt with the first attempt's outcome instead of sending
 *   again, so no policy can duplicate the request;
 * - with `notFoundAsNull`, a 404 answers `null`.
 *
 * @example
 * const get = resilientFetch(payments, { notFoundAsNull: true });
 * const res = await get(`${base}/users/${id}`, { signal });   // Response | null
 */
export function resilientFetch(
  pipeline: PipelineLike,
  options: ResilientFetchOptions & { readonly notFoundAsNull: true },
): ResilientFetchOrNull;
export function resilientFetch(
  pipeline: PipelineLike,
  options?: ResilientFetchOptions & { readonly notFoundAsNull?: false },
): ResilientFetch;
export function resilientFetch(pipeline: PipelineLike, options?: ResilientFetchOptions): ResilientFetchOrNull;
export function resilientFetch(
  pipeline: PipelineLike,
  options: ResilientFetchOptions = {},
): ResilientFetchOrNull {
  if (typeof pipeline !== 'object' || pipeline === null || typeof pipeline.execute !== 'function') {
    throw new TypeError(`${WHERE}: pipeline must be a pipeline (or an object with execute())`);
  }
  checkObject(WHERE, options, KNOWN);
  const fetchFn = resolveFetch(options.fetch);
  const notFoundAsNull =
    options.notFoundAsNull === undefined
      ? false
      : checkBoolean(WHERE, 'notFoundAsNull', options.notFoundAsNull);
  const retryNonIdempotent =
    options.retryNonIdempotent === undefined
      ? false
      : checkBoolean(WHERE, 'retryNonIdempotent', options.retryNonIdempotent);
  const failOn =
    options.failOn === undefined
      ? isTransientStatus
      : checkFunction<(status: number) => boolean>(WHERE, 'failOn', options.failOn);
  const key = checkKey(options.key);
  const clock = options.clock ?? pipeline.clock ?? systemClock;

  return async (input, init) => {
    const request = describe(input, init);
    const once = !request.replayable || (!request.idempotent && !retryNonIdempotent);
    const call = new FetchCall(fetchFn, input, init, request, once, failOn, clock);
    const response = await pipeline.execute(call.attempt, {
      signal: init?.signal ?? (isRequest(input) ? input.signal : undefined),
      key: typeof key === 'function' ? key(request) : key,
      idempotent: !once,
    });
    if (notFoundAsNull && response.status === 404) {
      await discard(response);
      return null;
    }
    return response;
  };
}

interface RequestFacts {
  readonly method: string;
  readonly url: string;
  /** An idempotent method, or a request carrying an `Idempotency-Key`. */
  readonly idempotent: boolean;
  /** The body can be sent again (not a one-shot stream). */
  readonly replayable: boolean;
}

/**
 * One request through the pipeline. `attempt` is called once per attempt (retries and
 * hedges call it again); a request that must go out once answers later attempts with the
 * first one's outcome.
 */
class FetchCall {
  readonly #fetch: FetchLike;
  readonly #input: RequestInfo | URL;
  readonly #init: RequestInit | undefined;
  readonly #request: RequestFacts;
  readonly #once: boolean;
  readonly #failOn: (status: number) => boolean;
  readonly #clock: Clock;
  #first: Promise<Response> | undefined;

  constructor(
    fetchFn: FetchLike,
    input: RequestInfo | URL,
    init: RequestInit | undefined,
    request: RequestFacts,
    once: boolean,
    failOn: (status: number) => boolean,
    clock: Clock,
  ) {
    this.#fetch = fetchFn;
    this.#input = input;
    this.#init = init;
    this.#request = request;
    this.#once = once;
    this.#failOn = failOn;
    this.#clock = clock;
  }

  readonly attempt = (ctx: CallContext): Promise<Response> => {
    if (!this.#once) return this.#send(ctx.signal, true);
    // Whatever the policies do, a non-idempotent request goes out once.
    this.#first ??= this.#send(ctx.signal, false);
    return this.#first;
  };

  async #send(signal: AbortSignal, mayRepeat: boolean): Promise<Response> {
    const input = this.#input;
    // A Request's body can be read once: send a copy on each attempt, keep the original.
    const target = mayRepeat && isRequest(input) && input.body !== null ? input.clone() : input;
    const response = await this.#fetch(target, { ...this.#init, signal });
    if (!this.#failOn(response.status)) return response;
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#clock.now());
    throw new HttpStatusError(await buffered(response), this.#request, retryAfter);
  }
}

/** Method, URL and whether the request may be sent twice. */
function describe(input: RequestInfo | URL, init: RequestInit | undefined): RequestFacts {
  const request = isRequest(input) ? input : undefined;
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const url = request !== undefined ? request.url : String(input);
  const keyed = hasIdempotencyKey(init?.headers) || hasIdempotencyKey(request?.headers);
  const body = init?.body;
  return {
    method,
    url,
    idempotent: IDEMPOTENT_METHODS.has(method) || keyed,
    replayable: body === undefined || isReplayable(body),
  };
}

function hasIdempotencyKey(headers: HeadersInit | Headers | undefined): boolean {
  if (headers === undefined) return false;
  if (typeof (headers as Headers).has === 'function') return (headers as Headers).has('idempotency-key');
  if (Array.isArray(headers)) return headers.some(([name]) => name?.toLowerCase() === 'idempotency-key');
  return Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
}

/** Bodies that fetch can send again; a stream (or an unknown body type) can be read only once. */
function isReplayable(body: BodyInit | null): boolean {
  return (
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    (typeof FormData !== 'undefined' && body instanceof FormData) ||
    (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams)
  );
}

function isRequest(input: unknown): input is Request {
  return typeof Request !== 'undefined' && input instanceof Request;
}

/** Statuses whose responses must have no body (the Response constructor enforces it). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The response with its body read into memory: the connection is released now (undici
 * holds it until a body is consumed), and whoever catches the error can still read it.
 */
async function buffered(response: Response): Promise<Response> {
  try {
    const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } catch {
    // The body could not be read (aborted, connection lost): the status still tells the
    // story, so fail with the original response rather than with the read error.
    return response;
  }
}

/** Releases the connection of a response nobody will read. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Cancelling an already closed or errored body: there is nothing left to release.
  }
}

function resolveFetch(value: unknown): FetchLike {
  if (value !== undefined) return checkFunction<FetchLike>(WHERE, 'fetch', value);
  if (typeof globalThis.fetch !== 'function') {
    throw new TypeError(`${WHERE}: no global fetch in this runtime; pass the fetch option`);
  }
  // Bound: some runtimes reject a fetch called with another `this`.
  return globalThis.fetch.bind(globalThis);
}

function checkKey(value: unknown): ResilientFetchOptions['key'] {
  if (value === undefined || typeof value === 'string' || typeof value === 'function') {
    return value as ResilientFetchOptions['key'];
  }
  throw new TypeError(`${WHERE}: key must be a string or a function of the request, got ${typeof value}`);
}
