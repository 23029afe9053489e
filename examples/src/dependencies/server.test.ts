import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_PHASES, type FaultPhase, type PhaseSpan } from '../faults/script.js';
import { DependencyServer, type DependencyServerOptions } from './server.js';

const phases: PhaseSpan[] = FAULT_PHASES.map((phase) => ({ phase, duration: 1_000 }));
const startOf = (phase: FaultPhase) => FAULT_PHASES.indexOf(phase) * 1_000 + 500;

let servers: DependencyServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(phase: FaultPhase, random = () => 0.99, extra: Partial<DependencyServerOptions> = {}) {
  const server = await DependencyServer.start({
    system: 'hr',
    phases,
    offset: 0,
    startedAt: 0,
    // Time stands still in the middle of `phase`: these tests are about answers, not time.
    now: () => startOf(phase),
    random,
    ...extra,
  });
  servers.push(server);
  return server;
}

describe('DependencyServer', () => {
  it('answers records when healthy, 404 for unknown users and pings, on a loopback port', async () => {
    const server = await start('healthy');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const found = await fetch(`${server.url}/users/ada`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ employeeId: 'E1001', status: 'active' });
    const missing = await fetch(`${server.url}/users/tim`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
    const ping = await fetch(`${server.url}/ping`);
    expect(await ping.json()).toEqual({ system: 'hr', ok: true });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect(server.counts).toMatchObject({ requests: 3, ok: 2, notFound: 1 });
  });

  it('answers 503 and 429 with Retry-After during error bursts', async () => {
    const unavailable = await start('errors', () => 0.1);
    const a = await fetch(`${unavailable.url}/users/ada`);
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('1');
    await a.arrayBuffer();
    const throttled = await start('errors', () => 0.35);
    const b = await fetch(`${throttled.url}/users/ada`);
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    await b.arrayBuffer();
    expect(unavailable.counts.unavailable).toBe(1);
    expect(throttled.counts.throttled).toBe(1);
  });

  it('drops the connection without an answer during an outage', async () => {
    const server = await start('outage');
    const error = await fetch(`${server.url}/users/ada`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError); // undici: "fetch failed", with the socket error as cause
    expect(server.counts.dropped).toBe(1);
  });

  it('closes at once even with a slow answer pending', async () => {
    const server = await start('latency', () => 0); // every request takes a spike of 600 ms or more
    const pending = fetch(`${server.url}/users/ada`).then(
      (r) => r.status,
      () => 'dropped',
    );
    while (server.counts.requests === 0) await new Promise((r) => setTimeout(r, 5));
    await server.close();
    // Answered, it would be a 200 after 600 ms or more: closing dropped it instead.
    expect(await pending).toBe('dropped');
  });

  it('reports each change of phase as the script moves on', async () => {
    const changes: { previous: FaultPhase; phase: FaultPhase }[] = [];
    const origin = performance.now();
    const server = await DependencyServer.start({
      system: 'sso',
      phases: FAULT_PHASES.map((phase) => ({ phase, duration: 40 })),
      offset: 0,
      startedAt: origin,
      now: () => performance.now(),
      random: () => 0.5,
      onPhase: (system, phase, previous) => {
        expect(system).toBe('sso');
        changes.push({ previous, phase });
      },
    });
    servers.push(server);
    while (changes.length < 3) await new Promise((r) => setTimeout(r, 10));
    // A busy machine may fire a timer late and skip a short phase, but the reports always
    // chain (each starts where the last ended) and always move forward through the script.
    expect(changes[0]!.previous).toBe('healthy');
    for (const [i, change] of changes.entries()) {
      if (i > 0) expect(change.previous).toBe(changes[i - 1]!.phase);
      expect(change.phase).not.toBe(change.previous);
    }
    expect(changes[0]!.phase).not.toBe('healthy');
  });
});
