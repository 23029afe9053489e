/**
 * An HTTP response that counts as a failure (by default 408, 429 and 5xx), thrown inside
 * the pipeline so that retry, circuit breaker and fallback see it like any other error.
 * `isTransient` reads its `status`; retry reads its `retryAfter`.
 */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly statusText: string;
  /** The request method (upper case). */
  readonly method: string;
  /** The request URL without query string, fragment or credentials (they may hold secrets). */
  readonly url: string;
  /** Milliseconds the server asked to wait (`Retry-After`), when it said so. */
  readonly retryAfter: number | undefined;
  /**
   * The response, with its body buffered so that it can still be read (`await
   * error.response.text()`) although the connection has been released.
   */
  readonly response: Response;

  constructor(
    response: Response,
    request: { readonly method: string; readonly url: string },
    retryAfter: number | undefined,
  ) {
    const url = safeUrl(request.url);
    const text = response.statusText === '' ? '' : ` ${response.statusText}`;
    super(`HTTP ${response.status}${text} from ${request.method} ${url}`);
    this.name = 'HttpStatusError';
    this.status = response.status;
    this.statusText = response.statusText;
    this.method = request.method;
    this.url = url;
    this.retryAfter = retryAfter;
    this.response = response;
  }
}

/** The URL without what may be secret: credentials, query string and fragment. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    // A relative URL (browsers resolve it against the page): cut at the query or fragment.
    return url.replace(/[?#].*$/s, '');
  }
}
