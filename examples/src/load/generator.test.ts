import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { LoadGenerator } from './generator.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server === undefined) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  server = undefined;
});

/** A service stand-in: `answer` decides per path; 'hang' never answers. */
async function serve(answer: (path: string) => { status: number; body: unknown } | 'hang'): Promise<string> {
  server = createServer((req, res) => {
    const a = answer(req.url ?? '/');
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
};

describe('LoadGenerator', () => {
  it('sends audits for known and unknown users and counts answers by status and degradation', async () => {
    const paths: string[] = [];
    const target = await serve((path) => {
      paths.push(path);
      if (path === '/audit/nobody') return { status: 404, body: { systems_failed: [] } };
      return { status: 200, body: { systems_failed: path === '/audit/ken' ? ['hr'] : [] } };
    });
    const load = new LoadGenerator({
      target,
      rate: 200,
      users: ['ada', 'ken'],
      unknownShare: 0.2,
      random: seededRandom(1),
    });
    load.start();
    await until(() => load.counts.sent >= 40 && load.inFlight === 0);
    await load.stop();
    const { sent, byStatus, degraded, errors, cutShort } = load.counts;
    // Stopped with nothing in flight: every request sent was answered and counted once.
    expect(errors).toBe(0);
    expect(cutShort).toBe(0);
    expect((byStatus['200'] ?? 0) + (byStatus['404'] ?? 0)).toBe(sent);
    expect(paths).toHaveLength(sent);
    expect(byStatus['404']).toBe(paths.filter((p) => p === '/audit/nobody').length);
    expect(degraded).toBe(paths.filter((p) => p === '/audit/ken').length);
    expect(new Set(paths)).toEqual(new Set(['/audit/ada', '/audit/ken', '/audit/nobody']));
  });

  it('stops at once, aborting requests in flight, and caps what it keeps in flight', async () => {
    const target = await serve(() => 'hang');
    const load = new LoadGenerator({
      target,
      rate: 500,
      users: ['ada'],
      random: seededRandom(2),
      maxInFlight: 5,
    });
    load.start();
    await until(() => load.counts.skipped > 0);
    expect(load.inFlight).toBe(5);
    await load.stop();
    expect(load.inFlight).toBe(0);
    expect(load.counts.cutShort).toBe(5);
    expect(load.counts.errors).toBe(0);
    const sent = load.counts.sent;
    await new Promise((r) => setTimeout(r, 120));
    expect(load.counts.sent).toBe(sent);
  });

  it('counts requests that get no answer as errors', async () => {
    const load = new LoadGenerator({
      target: 'http://127.0.0.1:9',
      rate: 100,
      users: ['ada'],
      random: seededRandom(3),
    });
    load.start();
    await until(() => load.counts.errors >= 3);
    await load.stop();
    expect(load.counts.byStatus).toEqual({});
  });

  it('refuses a rate that is not a positive number and an empty user list', () => {
    const base = { target: 'http://x', users: ['a'], random: Math.random };
    expect(() => new LoadGenerator({ ...base, rate: 0 })).toThrow(
      /rate must be a number of requests per second > 0, got 0/,
    );
    expect(() => new LoadGenerator({ ...base, rate: Number.NaN })).toThrow(/got NaN/);
    expect(() => new LoadGenerator({ ...base, rate: 1, users: [] })).toThrow(/users must not be empty/);
  });
});
