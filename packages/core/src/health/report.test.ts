import { describe, expect, it } from 'vitest';
import { TestClock } from '../testing/index.js';
import { health } from './health.js';
import { describeError } from './report.js';

/** A thrown value whose every property read throws (a hostile or revoked proxy). */
const hostile = () =>
  new Proxy(new Error('hostile'), {
    get() {
      throw new Error('a getter of the thrown value threw');
    },
  });

describe('describeError', () => {
  it('describes errors, strings and other values on one short line', () => {
    expect(describeError(new TypeError('bad\n  input'))).toBe('TypeError: bad input');
    expect(describeError('down')).toBe('down');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(Object.create(null))).toBe('[object Object]');
  });

  // Regression: describing a value whose getters throw threw inside the check's run, so the
  // run never ended: status() hung forever and the error surfaced as an unhandled rejection.
  // Found by test/reliability/fault-isolation.test.ts.
  it('describes a value whose properties cannot be read, and such a check fails instead of hanging', async () => {
    expect(describeError(hostile())).toBe('unreadable error');
    const monitor = health({
      name: 'm',
      registry: null,
      clock: new TestClock(),
      checks: [{ name: 'db', run: () => Promise.reject(hostile()) }],
    });
    const report = await monitor.status();
    expect(report.checks.db).toMatchObject({ ok: false, error: 'unreadable error' });
    expect(report.status).toBe('unhealthy');
  });
});
