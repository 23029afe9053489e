/**
 * Steady traffic at the audit service: `rate` requests per second, spread over ticks and
 * kept on pace by counting what is due since the start (a late tick sends what it owes,
 * so timer jitter on a busy machine does not lower the rate). In-flight requests are
 * capped so that a stalled service cannot make the generator pile up sockets.
 */

export interface LoadGeneratorOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:8080`. */
  readonly target: string;
  /** Requests per second. */
  readonly rate: number;
  /** Users to audit, picked at random. */
  readonly users: readonly string[];
  /** Share of requests for a user no system knows (the audit answers 404). @defaultValue 0.05 */
  readonly unknownShare?: number;
  readonly random: () => number;
  /** Most requests in flight at once; beyond it a due request is skipped and counted. @defaultValue 256 */
  readonly maxInFlight?: number;
  /** Client-side timeout per request (ms). @defaultValue 15_000 */
  readonly timeout?: number;
}

/** What the generator sent and what came back. */
export interface LoadCounts {
  sent: number;
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
  /** 200 answers where at least one system failed (graceful degradation at work). */
  degraded: number;
  /** Requests that got no HTTP answer (connection error, client timeout). */
  errors: number;
  /** Requests still waiting when the generator stopped (aborted, not errors of the service). */
  cutShort: number;
  /** Due requests not sent because `maxInFlight` were already waiting. */
  skipped: number;
}

const TICK_MS = 50;

export class LoadGenerator {
  readonly counts: LoadCounts = { sent: 0, byStatus: {}, degraded: 0, errors: 0, cutShort: 0, skipped: 0 };
  readonly #options: LoadGeneratorOptions;
  readonly #stop = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #due = 0;

  constructor(options: LoadGeneratorOptions) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) {
      throw new RangeError(
        `load generator: rate must be a number of requests per second > 0, got ${options.rate}`,
      );
    }
    if (options.users.length === 0) throw new RangeError('load generator: users must not be empty');
    this.#options = options;
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    if (this.#timer !== undefined || this.#stop.signal.aborted) return;
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  /** Stops sending, aborts what is in flight and waits for those requests to settle. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stop.abort(new Error('load generator stopped'));
    await Promise.all([...this.#inFlight]);
  }

  #tick(): void {
    const owed = Math.floor(((performance.now() - this.#startedAt) / 1_000) * this.#options.rate) - this.#due;
    const max = this.#options.maxInFlight ?? 256;
    for (let i = 0; i < owed; i++) {
      this.#due++;
      if (this.#inFlight.size >= max) {
        this.counts.skipped++;
        continue;
      }
      const request = this.#send(this.#pickUser()).finally(() => this.#inFlight.delete(request));
      this.#inFlight.add(request);
    }
  }

  #pickUser(): string {
    const { users, random } = this.#options;
    if (random() < (this.#options.unknownShare ?? 0.05)) return 'nobody';
    return users[Math.floor(random() * users.length)] ?? users[0]!;
  }

  async #send(user: string): Promise<void> {
    this.counts.sent++;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#options.timeout ?? 15_000)]);
    try {
      const response = await fetch(`${this.#options.target}/audit/${user}`, { signal });
      const body = (await response.json()) as { systems_failed?: unknown };
      const status = String(response.status);
      this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
      if (response.status === 200 && Array.isArray(body.systems_failed) && body.systems_failed.length > 0) {
        this.counts.degraded++;
      }
    } catch {
      // Stopping aborts what is in flight: that is not an error of the service.
      if (this.#stop.signal.aborted) this.counts.cutShort++;
      else this.counts.errors++;
    }
  }
}
