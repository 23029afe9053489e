import { checkBoolean, checkObject } from '../internal/validate.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Registry } from '../pipeline/registry.js';
import type { AnyPolicy } from '../types.js';
import type { AdminRequest, AdminResponse } from './http-types.js';
import { bearerToken, tokensMatch } from './token.js';

export interface AdminHandlerOptions {
  /**
   * Bearer token that mutations (reset, isolate) require. Without one, mutations are
   * disabled (403) and only the read-only endpoints answer.
   */
  readonly token?: string | undefined;
  /** Require the token for the read-only endpoints too. @defaultValue false */
  readonly protectReads?: boolean;
  /** Path the handler is mounted under, e.g. `/admin`. @defaultValue '' */
  readonly prefix?: string;
  /** Include error messages (e.g. of failed health checks) in responses. @defaultValue false */
  readonly exposeErrors?: boolean;
}

/** A circuit breaker as the admin endpoints use it. */
interface ManualCircuit {
  isolate(): void;
  reset(): void;
  snapshot(): unknown;
}

type Handler = (req: AdminRequest, res: AdminResponse) => Promise<void>;

const send = (res: AdminResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(`${JSON.stringify(body)}\n`);
};

/** Removes error messages from a snapshot unless asked to keep them: only types and times stay. */
function redact(value: unknown, exposeErrors: boolean): unknown {
  if (exposeErrors) return value;
  return JSON.parse(JSON.stringify(value ?? null), (key, v) =>
    key === 'error' && typeof v === 'string' ? '(hidden: pass exposeErrors to show messages)' : v,
  );
}

const circuitsOf = (pipeline: Pipeline, name: string | null): AnyPolicy[] =>
  pipeline.policies.filter((p) => p.kind === 'circuit_breaker' && (name === null || p.name === name));

/**
 * A request handler for status pages and manual circuit control, for node:http, Express
 * or Fastify (`request.raw`, `reply.raw`). Bind the server it is mounted on to loopback or
 * an internal network: it is an operator's tool.
 *
 * - `GET  {prefix}/status` — every pipeline's live snapshot (and health monitors').
 * - `GET  {prefix}/status/:pipeline` — one pipeline.
 * - `POST {prefix}/circuits/:pipeline/reset` and `/isolate` — every breaker of the pipeline,
 *   or only `?policy=<name>`. Need `Authorization: Bearer <token>`.
 *
 * Responses are JSON; they never carry stack traces, and carry error messages only with
 * `exposeErrors`. A request outside the prefix gets 404 (Express users: mount it with
 * `app.use('/admin', …)` and the prefix `'/admin'`).
 */
export function adminHandler(registry: Registry, options: AdminHandlerOptions = {}): Handler {
  const looksLikeRegistry = (r: unknown) =>
    typeof r === 'object' &&
    r !== null &&
    typeof (r as Registry).snapshot === 'function' &&
    typeof (r as Registry).get === 'function';
  if (!looksLikeRegistry(registry)) {
    throw new TypeError(
      'adminHandler: registry must be a Registry (e.g. defaultRegistry from @rampart/core)',
    );
  }
  checkObject('adminHandler', options, ['token', 'protectReads', 'prefix', 'exposeErrors']);
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new TypeError(
      'adminHandler: token must be a string of at least 16 characters (use a random secret)',
    );
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/')))) {
    throw new TypeError(
      `adminHandler: prefix must be '' or a path like '/admin' (no trailing slash), got ${JSON.stringify(prefix)}`,
    );
  }
  const exposeErrors = checkBoolean('adminHandler', 'exposeErrors', options.exposeErrors ?? false);
  const protectReads = checkBoolean('adminHandler', 'protectReads', options.protectReads ?? false);

  const authorized = async (req: AdminRequest): Promise<boolean> => {
    if (token === undefined) return false;
    const presented = bearerToken(req.headers.authorization);
    return presented !== undefined && (await tokensMatch(presented, token));
  };
  const unauthorized = (res: AdminResponse) =>
    send(
      res,
      401,
      { error: 'unauthorized: send Authorization: Bearer <token>' },
      { 'www-authenticate': 'Bearer' },
    );
  const methodNotAllowed = (res: AdminResponse, allow: string) =>
    send(res, 405, { error: `method not allowed; use ${allow}` }, { allow });

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      if (!url.pathname.startsWith(`${prefix}/`)) return send(res, 404, { error: 'not found' });
      const parts = url.pathname
        .slice(prefix.length + 1)
        .split('/')
        .map(decodeURIComponent);
      const method = (req.method ?? 'GET').toUpperCase();

      if (parts[0] === 'status' && parts.length <= 2) {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET');
        if (protectReads && !(await authorized(req))) return unauthorized(res);
        if (parts.length === 1 || parts[1] === '')
          return send(res, 200, redact(registry.snapshot(), exposeErrors));
        const pipeline = registry.get(parts[1]!);
        if (pipeline === undefined)
          return send(res, 404, { error: `no pipeline named ${JSON.stringify(parts[1])}` });
        return send(res, 200, redact(pipeline.snapshot(), exposeErrors));
      }

      if (parts[0] === 'circuits' && parts.length === 3 && (parts[2] === 'reset' || parts[2] === 'isolate')) {
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        if (token === undefined) {
          return send(res, 403, { error: 'circuit control is disabled: no admin token is configured' });
        }
        if (!(await authorized(req))) return unauthorized(res);
        const pipeline = registry.get(parts[1]!);
        if (pipeline === undefined)
          return send(res, 404, { error: `no pipeline named ${JSON.stringify(parts[1])}` });
        const circuits = circuitsOf(pipeline, url.searchParams.get('policy')) as unknown as ManualCircuit[];
        if (circuits.length === 0) {
          return send(res, 404, {
            error: `pipeline ${JSON.stringify(pipeline.name)} has no matching circuit breaker`,
          });
        }
        for (const circuit of circuits) parts[2] === 'reset' ? circuit.reset() : circuit.isolate();
        return send(res, 200, {
          pipeline: pipeline.name,
          action: parts[2],
          circuits: circuits.map((c, i) => ({
            name: (circuits[i] as unknown as AnyPolicy).name,
            state: c.snapshot(),
          })),
        });
      }
      return send(res, 404, { error: 'not found' });
    } catch {
      // Never leak internals: the caller learns only that the request failed.
      return send(res, 500, { error: 'internal error' });
    }
  };
}
