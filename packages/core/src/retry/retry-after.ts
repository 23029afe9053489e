/**
 * Reading `Retry-After` from whatever a failed attempt produced: our own errors and the HTTP
 * wrapper carry a numeric `retryAfter` (ms); HTTP responses and the errors of HTTP clients
 * carry a `retry-after` header (seconds, or an HTTP date).
 */

/** delay-seconds of RFC 9110: digits (a fraction is tolerated). */
const SECONDS = /^\d+(?:\.\d+)?$/;
/** Every HTTP-date form (IMF-fixdate, RFC 850, asctime) names a day or month in letters. */
const HAS_LETTER = /[A-Za-z]/;
const HAS_ZONE = /(?:GMT|UTC|Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses a `Retry-After` header value into milliseconds from `now` (epoch ms): seconds
 * (`"120"`) or an HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`; a date in the past gives 0).
 * Returns `undefined` for anything else, so a malformed header falls back to the backoff.
 */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (Array.isArray(value)) return parseRetryAfter(value[0], now);
  if (typeof value === 'number')
    return value >= 0 && value !== Number.POSITIVE_INFINITY ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (SECONDS.test(text)) return Number(text) * 1000;
  if (!HAS_LETTER.test(text)) return undefined;
  // HTTP dates are always GMT, but the asctime form does not say so and Date.parse would
  // read it as local time.
  const date = Date.parse(HAS_ZONE.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

type HeadersLike = { get(name: string): unknown };

function headerValue(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (typeof (headers as Partial<HeadersLike>).get === 'function') {
    return (headers as HeadersLike).get('retry-after') ?? undefined;
  }
  const record = headers as Record<string, unknown>;
  const exact = record['retry-after'] ?? record['Retry-After'];
  if (exact !== undefined) return exact;
  // Header names are case-insensitive; plain objects from some clients keep the wire casing.
  for (const name of Object.keys(record)) {
    if (name.toLowerCase() === 'retry-after') return record[name];
  }
  return undefined;
}

/**
 * The `Retry-After` (ms) that an error or result asks for, if any: a numeric `retryAfter`
 * property (ms), else a `retry-after` header on its `headers` (a `Headers`-like object with
 * `get()`, or a plain object), else on `response.headers` (as HTTP clients attach the
 * response to their errors). HTTP dates are measured from `now` (epoch ms).
 */
export function retryAfterOf(carrier: unknown, now: number): number | undefined {
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  const c = carrier as { retryAfter?: unknown; headers?: unknown; response?: unknown };
  const direct = c.retryAfter;
  if (typeof direct === 'number' && direct >= 0) return direct; // NaN fails `>=`
  let value = headerValue(c.headers);
  if (value === undefined && typeof c.response === 'object' && c.response !== null) {
    value = headerValue((c.response as { headers?: unknown }).headers);
  }
  return value === undefined || value === null ? undefined : parseRetryAfter(value, now);
}
