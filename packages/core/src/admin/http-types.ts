/**
 * The parts of Node's IncomingMessage / ServerResponse the admin handler uses, typed
 * structurally so that this module needs no `node:` import (Express passes the same
 * objects; Fastify passes `request.raw` / `reply.raw`).
 */
export interface AdminRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface AdminResponse {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(body?: string): unknown;
}
