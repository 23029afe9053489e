import { describe, expect, it } from 'vitest';
import { Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import { breakers } from './breakers/index.js';
import { circuitBreaker } from './circuit-breaker.js';
import { errorType } from './error-type.js';

/** A thrown value whose every property read throws (a hostile or revoked proxy). */
const hostile = () =>
  new Proxy(new Error('hostile'), {
    get() {
      throw new Error('a getter of the thrown value threw');
    },
  });

describe('errorType', () => {
  it('names errors by name, then class, then typeof', () => {
    expect(errorType(new TypeError('x'))).toBe('TypeError');
    expect(errorType(new (class DbError extends Error {})('x'))).toBe('DbError');
    expect(errorType({})).toBe('Error');
    expect(errorType('text')).toBe('string');
  });

  // Regression: a value whose getters throw made the breaker's bookkeeping throw after the
  // call, so the policy's promise rejected (a policy must never throw) with the getter's error.
  // Found by test/reliability/fault-isolation.test.ts.
  it("is 'Error' for a value whose properties cannot be read, and the breaker counts the failure", async () => {
    expect(errorType(hostile())).toBe('Error');
    const clock = new TestClock();
    const breaker = circuitBreaker({ breaker: breakers.consecutive(2), clock });
    const p = new Registry().pipeline('p', [breaker], { clock });
    for (let i = 0; i < 2; i++) {
      const value = hostile();
      await expect(p.execute(() => Promise.reject(value))).rejects.toBe(value);
    }
    expect(breaker.snapshot()).toMatchObject({ state: 'open', lastError: { type: 'Error' } });
  });
});
