import { describe, expect, it } from 'vitest';
import { isAbortError } from './errors.js';
import { fallback } from './fallback/fallback.js';
import { Registry } from './pipeline/registry.js';

/** A thrown value whose every property read throws (a hostile or revoked proxy). */
const hostile = () =>
  new Proxy(new Error('hostile'), {
    get() {
      throw new Error('a getter of the thrown value threw');
    },
  });

describe('isAbortError', () => {
  // Regression: reading `name` of a value whose getters throw made isAbortError throw, so the
  // default predicates of retry and fallback replaced the call's error with the getter's, and
  // a fallback was not served. Found by test/reliability/fault-isolation.test.ts.
  it('says false for a value whose name cannot be read, without throwing', () => {
    expect(isAbortError(hostile())).toBe(false);
    const controller = new AbortController();
    const reason = hostile();
    controller.abort(reason);
    expect(isAbortError(reason, controller.signal)).toBe(true); // the caller's own reason, by identity
  });

  it('a fallback answers a call that rejected with such a value', async () => {
    const p = new Registry().pipeline('p', [fallback({ value: 'cached' })]);
    await expect(p.execute(() => Promise.reject(hostile()))).resolves.toBe('cached');
  });
});
