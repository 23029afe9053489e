import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { breakers, circuitBreaker } from '../circuit-breaker/index.js';
import { Registry } from '../pipeline/registry.js';
import { timeout } from '../timeout/index.js';
import { type AdminHandlerOptions, adminHandler } from './index.js';

const TOKEN = 'a-long-enough-random-admin-token';
let server: Server | undefined;

async function serve(registry: Registry, options: AdminHandlerOptions) {
  const handler = adminHandler(registry, options);
  server = createServer((req, res) => void handler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return async (method: string, path: string, token?: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };
}

afterEach(async () => {
  if (server) {
    server.close();
    await once(server, 'close');
    server = undefined;
  }
});

function setup() {
  const registry = new Registry();
  const breaker = circuitBreaker({ breaker: breakers.consecutive(1), openFor: 60_000 });
  registry.pipeline('payments', [breaker, timeout(1_000)]);
  registry.pipeline('search', [timeout(500)]);
  return { registry, breaker };
}

describe('adminHandler', () => {
  it('serves every snapshot and one pipeline, 404 for an unknown one', async () => {
    const { registry } = setup();
    const request = await serve(registry, { token: TOKEN, prefix: '/admin' });
    const all = await request('GET', '/admin/status');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.pipelines as object)).toEqual(['payments', 'search']);
    const one = await request('GET', '/admin/status/search');
    expect(one.body).toMatchObject({ name: 'search', policies: [{ kind: 'timeout' }] });
    expect((await request('GET', '/admin/status/nope')).status).toBe(404);
    expect((await request('GET', '/elsewhere')).status).toBe(404);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const { registry } = setup();
    const request = await serve(registry, { token: TOKEN });
    const wrongRead = await request('POST', '/status');
    expect(wrongRead.status).toBe(405);
    expect(wrongRead.headers.get('allow')).toBe('GET');
    const wrongWrite = await request('GET', '/circuits/payments/reset', TOKEN);
    expect(wrongWrite.status).toBe(405);
    expect(wrongWrite.headers.get('allow')).toBe('POST');
  });

  it('requires the bearer token for mutations: 401 without it and with a wrong one', async () => {
    const { registry, breaker } = setup();
    const request = await serve(registry, { token: TOKEN });
    expect((await request('POST', '/circuits/payments/isolate')).status).toBe(401);
    const wrong = await request('POST', '/circuits/payments/isolate', `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(breaker.state).toBe('closed');
  });

  it('isolate opens and reset really closes the circuit', async () => {
    const { registry, breaker } = setup();
    const request = await serve(registry, { token: TOKEN });
    const isolated = await request('POST', '/circuits/payments/isolate', TOKEN);
    expect(isolated.status).toBe(200);
    expect(breaker.state).toBe('isolated');
    await expect(registry.get('payments')!.execute(() => 'x')).rejects.toMatchObject({
      name: 'IsolatedCircuitError',
    });
    const reset = await request('POST', '/circuits/payments/reset', TOKEN);
    expect(reset.status).toBe(200);
    expect(breaker.state).toBe('closed');
    await expect(registry.get('payments')!.execute(() => 'x')).resolves.toBe('x');
  });

  it('404 for an unknown pipeline or one without a breaker', async () => {
    const { registry } = setup();
    const request = await serve(registry, { token: TOKEN });
    expect((await request('POST', '/circuits/nope/reset', TOKEN)).status).toBe(404);
    const noBreaker = await request('POST', '/circuits/search/reset', TOKEN);
    expect(noBreaker.status).toBe(404);
    expect(noBreaker.body.error).toMatch(/no matching circuit breaker/);
  });

  it('disables mutations when no token is configured, and can protect reads', async () => {
    const { registry, breaker } = setup();
    const request = await serve(registry, { protectReads: false });
    expect((await request('POST', '/circuits/payments/isolate', 'anything-at-all-here')).status).toBe(403);
    expect(breaker.state).toBe('closed');
    server?.close();
    const protectedRequest = await serve(registry, { token: TOKEN, protectReads: true });
    expect((await protectedRequest('GET', '/status')).status).toBe(401);
    expect((await protectedRequest('GET', '/status', TOKEN)).status).toBe(200);
  });

  it('never includes stack traces or error messages', async () => {
    const { registry } = setup();
    await registry
      .get('payments')!
      .execute(() => Promise.reject(new Error('secret database password in message')))
      .catch(() => {});
    const request = await serve(registry, { token: TOKEN });
    const text = JSON.stringify((await request('GET', '/status')).body);
    expect(text).not.toContain('secret database password');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects weak tokens and bad prefixes when built', () => {
    const registry = new Registry();
    expect(() => adminHandler(registry, { token: 'short' })).toThrow(/at least 16 characters/);
    expect(() => adminHandler(registry, { prefix: 'admin/' })).toThrow(/prefix must be/);
    expect(() => adminHandler(registry, { protectReads: 'yes' as never })).toThrow(
      /adminHandler: protectReads must be true or false, got "yes"/,
    );
    expect(() => adminHandler(registry, { exposeErrors: 1 as never })).toThrow(
      /exposeErrors must be true or false/,
    );
    expect(() => adminHandler(registry, { tokn: TOKEN } as never)).toThrow(/unknown option "tokn"/);
    expect(() => adminHandler(undefined as never)).toThrow(/registry must be a Registry/);
  });
});
