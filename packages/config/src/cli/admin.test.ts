import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { breakers, circuitBreaker, Registry, timeout } from '@rampart/core';
import { adminHandler } from '@rampart/core/admin';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdmin } from './admin.js';

const TOKEN = 'cli-test-token-long-enough';
let server: Server | undefined;

afterEach(async () => {
  server?.close();
  if (server) await once(server, 'close');
  server = undefined;
});

async function start() {
  const registry = new Registry();
  const breaker = circuitBreaker({ breaker: breakers.consecutive(3), openFor: 30_000 });
  registry.pipeline('payments', [breaker, timeout(1_000)]);
  const handler = adminHandler(registry, { token: TOKEN, prefix: '/admin' });
  server = createServer((req, res) => void handler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`;
  return { breaker, url };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runAdmin(argv, {
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    fetch: globalThis.fetch,
  });
  return { code, stdout, stderr };
}

describe('rampart status|reset|isolate', () => {
  it('prints every pipeline with its policies', async () => {
    const { url } = await start();
    const { code, stdout } = await run(['status', '--url', url]);
    expect(code).toBe(0);
    expect(stdout).toContain('payments');
    expect(stdout).toMatch(/circuit_breaker\s+state=closed/);
  });

  it('isolates and resets a circuit with the token from the environment', async () => {
    const { url, breaker } = await start();
    const isolated = await run(['isolate', 'payments'], {
      RAMPART_ADMIN_URL: url,
      RAMPART_ADMIN_TOKEN: TOKEN,
    });
    expect(isolated).toMatchObject({ code: 0 });
    expect(isolated.stdout).toContain('payments/circuit_breaker: state=isolated');
    expect(breaker.state).toBe('isolated');
    const reset = await run(['reset', 'payments', `--url=${url}`, '--token', TOKEN]);
    expect(reset.code).toBe(0);
    expect(breaker.state).toBe('closed');
  });

  it('reports the server refusing: wrong token, unknown pipeline', async () => {
    const { url, breaker } = await start();
    const wrong = await run(['isolate', 'payments', '--url', url, '--token', 'not-the-right-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401 unauthorized/);
    expect(breaker.state).toBe('closed');
    const unknown = await run(['status', 'nope', '--url', url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/404 no pipeline named "nope"/);
  });

  it('rejects bad usage with exit code 2 before any request', async () => {
    expect((await run(['status'])).stderr).toMatch(/--url \(or RAMPART_ADMIN_URL\) is required/);
    expect((await run(['reset', '--url', 'http://127.0.0.1:1'])).stderr).toMatch(
      /reset needs a pipeline name/,
    );
    expect((await run(['reset', 'p', '--url', 'http://127.0.0.1:1'])).stderr).toMatch(/needs --token/);
    expect((await run(['status', '--url', 'ftp://x'])).code).toBe(2);
    expect((await run(['status', '--url', 'http://x', '--bogus'])).stderr).toMatch(
      /unknown option "--bogus"/,
    );
  });

  it('says when the service cannot be reached', async () => {
    const result = await run(['status', '--url', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach/);
  });
});
