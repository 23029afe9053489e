import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

const DAY = 86_400_000;
const MAX_HOST_DELAY = 2 ** 31 - 1;

describe('systemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  // Regression: a delay over 2^31 - 1 ms was handed to the host timer as it was, and Node (like
  // browsers) fires such a timer after 1 ms: `timeout({ after: 30 days })` timed out at once.
  // Found by the reliability suite (test/reliability/bad-input).
  it('never hands the host a delay it cannot wait, and fires a 30-day timer after 30 days', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const host = vi.spyOn(globalThis, 'setTimeout');
    const fired = vi.fn();
    systemClock.setTimeout(fired, 30 * DAY);
    for (const call of host.mock.calls) expect(call[1]).toBeLessThanOrEqual(MAX_HOST_DELAY);
    vi.advanceTimersByTime(29 * DAY);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(DAY);
    expect(fired).toHaveBeenCalledTimes(1);
    for (const call of host.mock.calls) expect(call[1]).toBeLessThanOrEqual(MAX_HOST_DELAY);
  });

  it('clears a long timer in any of its steps, and a short one as before', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const long = vi.fn();
    const handle = systemClock.setTimeout(long, 40 * DAY);
    vi.advanceTimersByTime(26 * DAY); // past the first step
    systemClock.clearTimeout(handle);
    const short = vi.fn();
    systemClock.clearTimeout(systemClock.setTimeout(short, 10));
    vi.advanceTimersByTime(20 * DAY);
    expect(long).not.toHaveBeenCalled();
    expect(short).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
