import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FaultPhase, type PhaseAt, type PhaseSpan, phaseAt, planRequest } from '../faults/script.js';
import { findRecord, type SystemName } from './records.js';

export interface DependencyServerOptions {
  readonly system: SystemName;
  readonly phases: readonly PhaseSpan[];
  /** The script starts this many ms after `startedAt` (healthy until then). */
  readonly offset: number;
  /** Time origin of the demo, in `now()` units (ms). */
  readonly startedAt: number;
  readonly now: () => number;
  readonly random: () => number;
  /** Called when the dependency enters a new phase of its script. */
  readonly onPhase?: (system: SystemName, phase: FaultPhase, previous: FaultPhase) => void;
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** @defaultValue 0 (an ephemeral port) */
  readonly port?: number;
}

/** What a dependency server did, for the final summary. */
export interface DependencyCounts {
  requests: number;
  ok: number;
  notFound: number;
  unavailable: number;
  throttled: number;
  dropped: number;
}

/**
 * A simulated HR system, directory or SSO provider: a real HTTP server on loopback that
 * answers `GET /users/:id` and `GET /ping` according to its fault script. Every timer it
 * starts is tracked and cleared on `close()`, and open connections are destroyed, so
 * closing never waits on a slow answer.
 */
export class DependencyServer {
  readonly system: SystemName;
  readonly counts: DependencyCounts = {
    requests: 0,
    ok: 0,
    notFound: 0,
    unavailable: 0,
    throttled: 0,
    dropped: 0,
  };
  readonly #server: Server;
  readonly #options: DependencyServerOptions;
  readonly #pending = new Set<NodeJS.Timeout>();
  #phaseTimer: NodeJS.Timeout | undefined;
  #phase: FaultPhase;
  #closed = false;

  private constructor(options: DependencyServerOptions) {
    this.system = options.system;
    this.#options = options;
    this.#phase = this.phase().phase;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: DependencyServerOptions): Promise<DependencyServer> {
    const dependency = new DependencyServer(options);
    await new Promise<void>((resolve, reject) => {
      dependency.#server.once('error', reject);
      dependency.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        dependency.#server.off('error', reject);
        resolve();
      });
    });
    dependency.#schedulePhaseChange();
    return dependency;
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const address = this.#server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  /** Where the dependency stands in its fault script now. */
  phase(): PhaseAt {
    const o = this.#options;
    return phaseAt(o.phases, o.now() - o.startedAt, o.offset);
  }

  /** Stops listening, cancels every delayed answer and drops open connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#phaseTimer !== undefined) clearTimeout(this.#phaseTimer);
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  #schedulePhaseChange(): void {
    if (this.#closed) return;
    // +1 ms so the timer lands inside the next phase, not on the boundary.
    this.#phaseTimer = setTimeout(() => {
      const now = this.phase().phase;
      const previous = this.#phase;
      this.#phase = now;
      if (now !== previous) this.#options.onPhase?.(this.system, now, previous);
      this.#schedulePhaseChange();
    }, this.phase().remaining + 1);
    this.#phaseTimer.unref();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    const user = /^\/users\/([A-Za-z0-9._-]{1,64})$/.exec(path)?.[1];
    if (user === undefined && path !== '/ping') {
      sendJson(res, 404, { error: 'no such endpoint' });
      return;
    }

    this.counts.requests++;
    const plan = planRequest(this.phase(), this.#options.random);
    const answer = () => {
      this.#pending.delete(timer);
      res.off('close', cancel);
      if (plan.kind === 'drop') {
        // A full outage: the connection goes away without an answer (the client sees a reset).
        this.counts.dropped++;
        req.socket.destroy();
        return;
      }
      if (plan.kind === 'status') {
        if (plan.status === 503) this.counts.unavailable++;
        else this.counts.throttled++;
        res.setHeader('retry-after', String(plan.retryAfter));
        sendJson(res, plan.status, {
          error: plan.status === 503 ? `${this.system} is unavailable` : `${this.system} is rate limiting`,
        });
        return;
      }
      if (user === undefined) {
        this.counts.ok++;
        sendJson(res, 200, { system: this.system, ok: true });
        return;
      }
      const record = findRecord(this.system, user);
      if (record === undefined) {
        this.counts.notFound++;
        sendJson(res, 404, { error: `${user} is not known to ${this.system}` });
        return;
      }
      this.counts.ok++;
      sendJson(res, 200, record);
    };
    // The caller gave up (timeout, hedge lost, shutdown): forget the pending answer.
    const cancel = () => {
      clearTimeout(timer);
      this.#pending.delete(timer);
    };
    const timer = setTimeout(answer, plan.delay);
    this.#pending.add(timer);
    res.once('close', cancel);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
