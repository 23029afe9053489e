// The one test against a real HTTP server (on the loopback interface) and the global fetch
// (undici): no fake can prove that signals, bodies and connections behave with the real thing.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeoutError } from '../errors.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { HttpStatusError } from './http-status-error.js';
import { resilientFetch } from './resilient-fetch.js';

const hits = new Map<string, number>();
let closedEarly = 0;
let server: Server;
let base: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = `${req.method} ${req.url}`;
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  if (req.url === '/flaky') {
    if (n === 1) {
      res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('warming up');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ready');
    }
  } else if (req.url === '/orders') {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' }).end('orders down');
  } else if (req.url === '/missing') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
  } else if (req.url === '/hang') {
    // Never answers; the client's abort must close the connection.
    res.on('close', () => {
      if (!res.writableEnded) closedEarly++;
    });
  } else {
    res.writeHead(500).end();
  }
}

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

describe('resilientFetch over a real loopback server with the global fetch', () => {
  const registry = new Registry();
  const api = registry.pipeline('loopback', [
    retry({ maxAttempts: 3, random: () => 0 }),
    timeout({ after: 2_000, strategy: 'cooperative' }),
  ]);
  const http = resilientFetch(api, { notFoundAsNull: true });

  it('retries a 503 and answers the next response', async () => {
    const res = await http(`${base}/flaky`);
    expect(res?.status).toBe(200);
    expect(await res?.text()).toBe('ready');
    expect(hits.get('GET /flaky')).toBe(2);
  });

  it('sends a failing POST once and keeps its body readable on the error', async () => {
    const error = (await http(`${base}/orders`, { method: 'POST', body: '{"id":1}' }).catch(
      (e: unknown) => e,
    )) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.status).toBe(503);
    expect(await error.response.text()).toBe('orders down');
    expect(hits.get('POST /orders')).toBe(1);
  });

  it('answers null for a 404', async () => {
    expect(await http(`${base}/missing`)).toBeNull();
  });

  it('a timeout aborts the request and the server sees the connection close', async () => {
    const quick = new Registry().pipeline('quick', [timeout({ after: 100, strategy: 'cooperative' })]);
    const error = await resilientFetch(quick)(`${base}/hang`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await expect.poll(() => closedEarly, { timeout: 5_000 }).toBe(1);
  });
});
