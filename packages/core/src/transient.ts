import { ResilienceError, TimeoutError } from './errors.js';

/** Network error codes that mean "try again later" rather than "this request is wrong". */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** HTTP statuses worth retrying: request timeout, too many requests, and every 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

function statusOf(error: object): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  const status = e.status ?? e.statusCode ?? e.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True for failures that may pass if tried again: timeouts (ours, and `TimeoutError`s of
 * others), connection errors (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, `EAI_AGAIN`, …, also
 * when wrapped as a `cause`, as undici's `fetch failed` does) and errors carrying an HTTP
 * status 408, 429 or 5xx. Rejections by our own policies (open circuit, full bulkhead) are
 * not transient: retrying them at once only adds load.
 */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (e instanceof TimeoutError) return true;
    if (e instanceof ResilienceError) return false;
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (name === 'TimeoutError') return true;
    const status = statusOf(e);
    if (status !== undefined) return isTransientStatus(status);
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
