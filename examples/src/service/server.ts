import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthReport } from '@rampart/core';
import { type AuditSources, auditStatus, auditUser } from './audit.js';

export interface AuditServiceOptions {
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly sources: AuditSources;
  /** The body of `GET /status`. */
  readonly status: () => unknown;
  /** The body of `GET /health`; `unhealthy` answers 503. */
  readonly health: () => Promise<HealthReport> | HealthReport;
  /** Time allowed for one audit (ms); systems still running then count as failed. */
  readonly auditTimeout?: number;
}

const USER = /^\/audit\/([A-Za-z0-9._-]{1,64})$/;

/**
 * The identity-audit service: `GET /audit/:user`, `GET /status`, `GET /health`, on
 * node:http. When a client goes away mid-request, the audit's signal aborts, so the calls
 * to the dependencies stop too (and are not counted as their failures).
 */
export class AuditService {
  readonly #server: Server;
  readonly #options: AuditServiceOptions;
  #closing: Promise<void> | undefined;

  private constructor(options: AuditServiceOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        // A bug in a handler must not take the service down: answer 500 and say so once.
        console.error('audit service: request failed', error);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
  }

  static async start(options: AuditServiceOptions): Promise<AuditService> {
    const service = new AuditService(options);
    const host = options.host ?? '127.0.0.1';
    try {
      await new Promise<void>((resolve, reject) => {
        service.#server.once('error', reject);
        service.#server.listen(options.port, host, () => {
          service.#server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'EADDRINUSE'
          ? `port ${options.port} is in use; pass --port <n> (or PORT=0 for any free port)`
          : `cannot listen on ${host}:${options.port}`;
      throw new Error(`audit service: ${hint}`, { cause: error });
    }
    return service;
  }

  /** e.g. `http://127.0.0.1:8080` (IPv6 addresses in brackets). */
  get url(): string {
    const { address, port, family } = this.#server.address() as AddressInfo;
    const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    return `http://${family === 'IPv6' && host === address ? `[${host}]` : host}:${port}`;
  }

  /** Stops accepting, ends idle keep-alive connections, and waits for open requests to finish. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeIdleConnections();
    });
    return this.#closing;
  }

  /** Drops every connection at once (for a shutdown that must not wait). */
  closeAllConnections(): void {
    this.#server.closeAllConnections();
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET');
      return sendJson(res, 405, { error: 'method not allowed; use GET' });
    }
    if (path === '/status') return sendJson(res, 200, this.#options.status());
    if (path === '/health') {
      const report = await this.#options.health();
      return sendJson(res, report.status === 'unhealthy' ? 503 : 200, report);
    }
    const user = USER.exec(path)?.[1];
    if (user !== undefined) return this.#audit(user, res);
    if (path === '/') {
      return sendJson(res, 200, {
        service: 'rampart demo: identity audit',
        endpoints: ['/audit/:user (e.g. /audit/ada, /audit/ken, /audit/tim)', '/status', '/health'],
      });
    }
    sendJson(res, 404, { error: 'not found; try /audit/ada, /status or /health' });
  }

  async #audit(user: string, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    // The client went away before the answer: stop asking the dependencies on its behalf.
    const onClose = () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the request'));
    };
    res.once('close', onClose);
    try {
      const report = await auditUser(user, this.#options.sources, {
        signal: controller.signal,
        ...(this.#options.auditTimeout === undefined ? {} : { timeout: this.#options.auditTimeout }),
      });
      if (controller.signal.aborted) return;
      sendJson(res, auditStatus(report), report);
    } finally {
      res.off('close', onClose);
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
