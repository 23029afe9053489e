import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RampartEvent } from '../events/types.js';
import { defaultRegistry, Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import { type HealthMonitor, health } from './health.js';
import { HEALTH_DEFAULTS, type HealthCheck, type HealthOptions } from './options.js';
import { describeError } from './report.js';

const monitors: HealthMonitor[] = [];
afterEach(() => {
  for (const m of monitors.splice(0)) m.dispose();
});

function setup(options: Partial<HealthOptions> & Pick<HealthOptions, 'checks'>) {
  const clock = new TestClock(1_000);
  const registry = new Registry();
  const monitor = health({ registry, clock, ...options });
  monitors.push(monitor);
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  return { clock, registry, monitor, events };
}

/** A check that answers after `ms` with `ok`, honouring its signal. */
const probe =
  (clock: TestClock, ms: number, ok: boolean | (() => boolean) = true): HealthCheck['run'] =>
  ({ signal }) =>
    new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        const pass = typeof ok === 'function' ? ok() : ok;
        if (pass) resolve('pong');
        else reject(new Error('connection refused'));
      }, ms);
      const onAbort = () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

describe('health', () => {
  it('pins its defaults', () => {
    expect(HEALTH_DEFAULTS).toEqual({ critical: true, timeout: 5_000, interval: 0, history: 10 });
  });

  it('status() runs every check and reports healthy when all pass', async () => {
    const clock = new TestClock(1_000);
    const { monitor, events } = setup({
      clock,
      name: 'svc',
      checks: [
        { name: 'db', run: probe(clock, 20) },
        { name: 'cache', run: () => true, critical: false },
      ],
    });
    expect(monitor.lastStatus()).toBeUndefined();
    const report = monitor.status();
    await clock.advance(20);
    expect(await report).toEqual({
      name: 'svc',
      status: 'healthy',
      availability: 100,
      checkedAt: 1_020,
      checks: {
        db: {
          ok: true,
          critical: true,
          responseTimeMs: 20,
          checkedAt: 1_020,
          history: [{ ok: true, responseTimeMs: 20, checkedAt: 1_020 }],
        },
        cache: {
          ok: true,
          critical: false,
          responseTimeMs: 0,
          checkedAt: 1_000,
          history: [{ ok: true, responseTimeMs: 0, checkedAt: 1_000 }],
        },
      },
    });
    expect(monitor.lastStatus()).toBe(await report);
    expect(events.map((e) => (e.type === 'health.check' ? [e.check, e.ok] : e.type))).toEqual([
      ['cache', true],
      ['db', true],
    ]);
    expect(events[1]).toEqual({
      type: 'health.check',
      pipeline: 'svc',
      policy: 'health',
      policyName: 'svc',
      key: undefined,
      time: 1_020,
      check: 'db',
      critical: true,
      ok: true,
      duration: 20,
      error: undefined,
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a failing non-critical check makes it degraded; a failing critical one unhealthy', async () => {
    let dbUp = true;
    const { monitor } = setup({
      checks: [
        { name: 'db', run: () => dbUp },
        { name: 'search', run: () => Promise.reject(new TypeError('bad gateway')), critical: false },
        { name: 'queue', run: () => 'ok' },
      ],
    });
    const degraded = await monitor.status();
    expect(degraded.status).toBe('degraded');
    expect(degraded.availability).toBe(66.67);
    expect(degraded.checks.search).toMatchObject({ ok: false, error: 'TypeError: bad gateway' });
    dbUp = false;
    const unhealthy = await monitor.status();
    expect(unhealthy.status).toBe('unhealthy');
    expect(unhealthy.availability).toBe(33.33);
    expect(unhealthy.checks.db).toMatchObject({
      ok: false,
      critical: true,
      error: 'CheckFailedError: check reported failure (returned false)',
    });
    expect(unhealthy.checks.db!.history.map((r) => r.ok)).toEqual([true, false]);
  });

  it('a check that runs past its timeout fails then, with its signal aborted; no timer left', async () => {
    const clock = new TestClock();
    let signal: AbortSignal | undefined;
    const { monitor, events } = setup({
      clock,
      timeout: 1_000,
      checks: [
        {
          name: 'stuck',
          timeout: 200,
          run: (ctx) => {
            signal = ctx.signal;
            return new Promise(() => {}); // ignores its signal
          },
        },
        { name: 'slow', run: probe(clock, 5_000) },
      ],
    });
    const report = monitor.status();
    await clock.advance(200);
    expect(signal?.aborted).toBe(true);
    await clock.advance(800);
    const result = await report;
    expect(result.status).toBe('unhealthy');
    expect(result.checks.stuck).toMatchObject({
      ok: false,
      responseTimeMs: 200,
      error: 'TimeoutError: call timed out after 200 ms',
    });
    expect(result.checks.slow).toMatchObject({ ok: false, responseTimeMs: 1_000 });
    const failures = events.filter((e) => e.type === 'health.check' && !e.ok);
    expect(failures.map((e) => (e.type === 'health.check' ? (e.error as Error).name : ''))).toEqual([
      'TimeoutError',
      'TimeoutError',
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a synchronous throw is a failure, and its report carries no stack', async () => {
    const { monitor } = setup({
      checks: [
        {
          name: 'db',
          run: () => {
            throw new Error('password authentication failed\n    at Connection.parse (pg.js:1:1)');
          },
        },
      ],
    });
    const report = await monitor.status();
    expect(report.checks.db!.error).toBe(
      'Error: password authentication failed at Connection.parse (pg.js:1:1)',
    );
    expect(JSON.stringify(report)).not.toContain('health.test.ts');
  });

  it('concurrent status() calls share one run of each check', async () => {
    const clock = new TestClock();
    const run = vi.fn(probe(clock, 50));
    const { monitor } = setup({ clock, checks: [{ name: 'db', run }] });
    const a = monitor.status();
    const b = monitor.status();
    await clock.advance(50);
    expect(await a).toBe(await b);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('start() runs every check at once, then each on its interval; stop() clears every timer', async () => {
    const clock = new TestClock();
    const fast = vi.fn(() => true);
    const slow = vi.fn(() => true);
    const once = vi.fn(() => true);
    const { monitor } = setup({
      clock,
      interval: 1_000,
      checks: [
        { name: 'fast', run: fast },
        { name: 'slow', run: slow, interval: 5_000 },
        { name: 'once', run: once, interval: 0 },
      ],
    });
    monitor.start();
    monitor.start(); // idempotent
    expect(monitor.running).toBe(true);
    await clock.advance(0);
    expect([fast, slow, once].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
    expect(monitor.lastStatus()?.status).toBe('healthy');
    await clock.advance(5_000);
    expect([fast, slow, once].map((f) => f.mock.calls.length)).toEqual([6, 2, 1]);
    monitor.stop();
    expect(monitor.running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(20_000);
    expect(fast).toHaveBeenCalledTimes(6);
  });

  it('the next interval starts when the previous run ends, so runs never overlap', async () => {
    const clock = new TestClock();
    const starts: number[] = [];
    const { monitor } = setup({
      clock,
      checks: [
        {
          name: 'db',
          interval: 100,
          run: (ctx) => {
            starts.push(clock.now());
            return probe(clock, 30)(ctx);
          },
        },
      ],
    });
    monitor.start();
    await clock.advance(300);
    expect(starts).toEqual([0, 130, 260]);
    monitor.stop();
  });

  it('stop() aborts a running check at once without counting it as a failure', async () => {
    const clock = new TestClock();
    let signal: AbortSignal | undefined;
    let healthy = true;
    const { monitor, events } = setup({
      clock,
      checks: [
        {
          name: 'db',
          interval: 100,
          run: (ctx) => {
            signal = ctx.signal;
            return probe(clock, 50, healthy)(ctx);
          },
        },
      ],
    });
    monitor.start();
    await clock.advance(50); // first run recorded at 50
    healthy = false;
    await clock.advance(110); // second run started at 150
    const pending = monitor.status(); // joins the running check
    monitor.stop();
    expect(signal?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    const report = await pending;
    expect(report.status).toBe('healthy'); // the last verdict stands
    expect(report.checks.db!.history).toHaveLength(1);
    expect(events.filter((e) => e.type === 'health.check')).toHaveLength(1);
  });

  it('status() still answers when stop() cuts the first run short', async () => {
    const clock = new TestClock();
    const { monitor } = setup({ clock, checks: [{ name: 'db', run: probe(clock, 50) }] });
    const pending = monitor.status();
    monitor.stop();
    const report = await pending;
    expect(report.status).toBe('unhealthy');
    expect(report.checks.db).toMatchObject({ ok: false, error: 'AbortError: health monitor stopped' });
    expect(monitor.lastStatus()).toBeUndefined();
  });

  it('a restart right after stop() runs afresh and keeps one schedule per check', async () => {
    const clock = new TestClock();
    const run = vi.fn(probe(clock, 50));
    const { monitor } = setup({ clock, checks: [{ name: 'db', run, interval: 100 }] });
    monitor.start();
    await clock.advance(10);
    monitor.stop();
    monitor.start(); // the aborted run has not even settled yet
    expect(run).toHaveBeenCalledTimes(2);
    await clock.advance(1_000);
    // Fresh runs from 10, then every 150 ms (50 ms run + 100 ms interval): 10, 160, …, 910.
    expect(run).toHaveBeenCalledTimes(8);
    expect(monitor.lastStatus()?.status).toBe('healthy');
    monitor.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps the last `history` results per check', async () => {
    let n = 0;
    const { monitor } = setup({ history: 3, checks: [{ name: 'flaky', run: () => n++ % 2 === 0 }] });
    for (let i = 0; i < 5; i++) await monitor.status();
    expect(monitor.lastStatus()!.checks.flaky!.history.map((r) => r.ok)).toEqual([true, false, true]);
    monitor.configure({ history: 1 });
    expect(monitor.lastStatus()!.checks.flaky!.history).toHaveLength(1);
  });

  it('configure() changes defaults at run time, reschedules waiting checks, and rejects bad values whole', async () => {
    const clock = new TestClock();
    const run = vi.fn(() => true);
    const { monitor } = setup({ clock, interval: 10_000, checks: [{ name: 'db', run }] });
    monitor.start();
    await clock.advance(1_000);
    expect(run).toHaveBeenCalledTimes(1);
    monitor.configure({ interval: 500, critical: false });
    await clock.advance(500);
    expect(run).toHaveBeenCalledTimes(2);
    expect(monitor.lastStatus()!.checks.db!.critical).toBe(false);
    expect(() => monitor.configure({ timeout: 100, history: 0 })).toThrow(
      /health: history must be an integer from 1 to 1000, got 0/,
    );
    expect(() => monitor.configure({ checks: [] } as never)).toThrow(/unknown option "checks"/);
    expect(monitor.snapshot()).toMatchObject({ timeout: 5_000, interval: 500, critical: false, history: 10 });
    monitor.stop();
  });

  describe('registry', () => {
    it('registers in the given registry, shows in its snapshot, and leaves on dispose()', async () => {
      const registry = new Registry();
      const monitor = health({ name: 'svc', registry, checks: [{ name: 'db', run: () => true }] });
      expect(registry.healthMonitors()).toEqual([monitor]);
      expect(registry.snapshot().health).toEqual({ svc: undefined });
      const report = await monitor.status();
      expect(registry.snapshot().health).toEqual({ svc: report });
      expect(() => health({ name: 'svc', registry, checks: [{ name: 'x', run: () => true }] })).toThrow(
        /a health monitor named "svc" is already registered/,
      );
      monitor.dispose();
      expect(registry.healthMonitors()).toEqual([]);
      expect(registry.snapshot().health).toEqual({});
    });

    it('uses the default registry unless told `registry: null`', () => {
      const inDefault = health({ name: 'default-test', checks: [{ name: 'db', run: () => true }] });
      monitors.push(inDefault);
      expect(defaultRegistry.healthMonitors()).toContain(inDefault);
      const alone = health({
        name: 'default-test',
        registry: null,
        checks: [{ name: 'db', run: () => true }],
      });
      expect(defaultRegistry.healthMonitors().filter((m) => m.name === 'default-test')).toEqual([inDefault]);
      alone.dispose();
      inDefault.dispose();
      expect(defaultRegistry.healthMonitors()).not.toContain(inDefault);
    });

    it('sends its events to monitor listeners without a registry', async () => {
      const monitor = health({ registry: null, checks: [{ name: 'db', run: () => false }] });
      const events: RampartEvent[] = [];
      const sub = monitor.on((e) => events.push(e));
      await monitor.status();
      sub.dispose();
      await monitor.status();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'health.check', ok: false, check: 'db', pipeline: 'health' });
    });
  });

  it('validates options with messages that name them', () => {
    const run = () => true;
    const make = (options: unknown) => () => health({ registry: null, ...(options as object) } as never);
    expect(make({ checks: [] })).toThrow(/health: checks must be a non-empty array/);
    expect(make({ checks: [{ name: 'db' }] })).toThrow(/health: checks\[0\].run must be a function/);
    expect(make({ checks: [{ name: 'a b', run }] })).toThrow(
      /health: checks\[0\].name must be 1-64 characters/,
    );
    expect(make({ checks: [{ name: 'db', run, timeout: 0 }] })).toThrow(
      /health: checks\[0\].timeout \(ms\) must be a number >= 1 \(or Infinity\), got 0/,
    );
    expect(make({ checks: [{ name: 'db', run, interval: -5 }] })).toThrow(/checks\[0\].interval \(ms\)/);
    expect(make({ checks: [{ name: 'db', run, critical: 'yes' }] })).toThrow(
      /checks\[0\].critical must be true or false, got "yes"/,
    );
    expect(make({ checks: [{ name: 'db', run, crtical: true }] })).toThrow(
      /checks\[0\]: unknown option "crtical"/,
    );
    expect(
      make({
        checks: [
          { name: 'db', run },
          { name: 'db', run },
        ],
      }),
    ).toThrow(/two checks are named "db"/);
    expect(make({ checks: [{ name: 'db', run }], history: 0 })).toThrow(/history must be an integer/);
    expect(make({ checks: [{ name: 'db', run }], name: '' })).toThrow(/health: name must be/);
    expect(make({ checks: [{ name: 'db', run }], registry: {} })).toThrow(
      /registry must be a Registry or null/,
    );
    expect(make({ checks: [{ name: 'db', run }], chekcs: 1 })).toThrow(/unknown option "chekcs"/);
  });

  it('describeError: class and message on one short line, for any thrown value', () => {
    expect(describeError(new RangeError('too big'))).toBe('RangeError: too big');
    expect(describeError(new Error(''))).toBe('Error');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError({ code: 'E' })).toBe('[object Object]');
    expect(describeError(new Error('x'.repeat(500)))).toHaveLength(200);
  });

  it('property: the verdict follows the failing checks and their criticality', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ critical: fc.boolean(), ok: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        async (specs) => {
          const monitor = health({
            registry: null,
            checks: specs.map((s, i) => ({ name: `c${i}`, critical: s.critical, run: () => s.ok })),
          });
          const report = await monitor.status();
          const failedCritical = specs.some((s) => s.critical && !s.ok);
          const failedOther = specs.some((s) => !s.critical && !s.ok);
          expect(report.status).toBe(failedCritical ? 'unhealthy' : failedOther ? 'degraded' : 'healthy');
          const passed = specs.filter((s) => s.ok).length;
          expect(report.availability).toBeCloseTo((passed / specs.length) * 100, 2);
          expect(Object.keys(report.checks)).toEqual(specs.map((_, i) => `c${i}`));
        },
      ),
      { numRuns: 200 },
    );
  });
});
