import { describe, expect, it } from 'vitest';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { systemClock } from '../clock.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { retryBudget } from '../retry-budget/retry-budget.js';
import { settle } from '../settle/settle.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import { checkObject } from './validate.js';

describe('checkObject', () => {
  it('refuses unknown keys, naming the key and the known ones', () => {
    expect(() => checkObject('policy', { limt: 1 }, ['limit'])).toThrow(
      'policy: unknown option "limt"; known options are limit',
    );
  });

  // Regression: no factory checked its `clock` option, so `timeout({ clock: {} })` was accepted
  // and every call then failed with "clock.setTimeout is not a function". Found by the fuzz
  // test in test/reliability/bad-input.
  it('refuses a clock that is not a Clock, for every factory that takes one', () => {
    for (const clock of [{}, 5, null, 'clock', { now: () => 0 }, []]) {
      for (const build of [
        () => timeout({ after: 10, clock: clock as never }),
        () => bulkhead({ clock: clock as never }),
        () => rateLimit({ clock: clock as never }),
        () => retryBudget({ clock: clock as never }),
        () => settle({ a: () => 1 }, { clock: clock as never }),
      ]) {
        expect(build).toThrow(TypeError);
        expect(build).toThrow(/clock must be a Clock/);
      }
    }
  });

  it('accepts the system clock and a TestClock', () => {
    expect(() => timeout({ after: 10, clock: systemClock })).not.toThrow();
    expect(() => bulkhead({ clock: new TestClock() })).not.toThrow();
  });
});
