import { describe, expect, it } from 'vitest';
import { RateLimitedError, TimeoutError } from '../errors.js';
import { attemptsOf, recordAttempts } from './attempts.js';
import { parseRetryAfter, retryAfterOf } from './retry-after.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
    expect(parseRetryAfter(7, NOW)).toBe(7_000);
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3_000);
  });

  it('reads every HTTP-date form, relative to now, and 0 for a past date', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', NOW)).toBe(30_000); // IMF-fixdate
    expect(parseRetryAfter('Saturday, 01-Mar-25 12:01:00 GMT', NOW)).toBe(60_000); // RFC 850
    expect(parseRetryAfter('Sat Mar  1 12:00:10 2025', NOW)).toBe(10_000); // asctime: GMT too
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('returns undefined for anything else', () => {
    for (const bad of [
      '',
      'soon',
      '-5',
      '1e3',
      'NaN',
      '12abc',
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      {},
    ]) {
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    }
  });
});

describe('retryAfterOf', () => {
  it('prefers a numeric retryAfter (ms), as our own errors carry it', () => {
    expect(retryAfterOf(new RateLimitedError(250), NOW)).toBe(250);
    expect(retryAfterOf({ retryAfter: 0, headers: { 'retry-after': '9' } }, NOW)).toBe(0);
    expect(retryAfterOf({ retryAfter: Number.NaN, headers: { 'retry-after': '9' } }, NOW)).toBe(9_000);
    expect(retryAfterOf({ retryAfter: -1 }, NOW)).toBeUndefined();
  });

  it('reads the header from Headers, plain objects in any casing, and response.headers', () => {
    expect(retryAfterOf({ headers: new Headers({ 'retry-after': '2' }) }, NOW)).toBe(2_000);
    expect(retryAfterOf({ headers: new Map([['retry-after', '4']]) }, NOW)).toBe(4_000);
    expect(retryAfterOf({ headers: { 'Retry-After': '5' } }, NOW)).toBe(5_000);
    expect(retryAfterOf({ headers: { 'rEtRy-AfTeR': '6' } }, NOW)).toBe(6_000);
    expect(retryAfterOf({ response: { headers: { 'retry-after': '7' } } }, NOW)).toBe(7_000);
    expect(retryAfterOf({ headers: new Headers() }, NOW)).toBeUndefined();
    expect(retryAfterOf({ headers: { other: '1' } }, NOW)).toBeUndefined();
    expect(retryAfterOf(new Error('plain'), NOW)).toBeUndefined();
    expect(retryAfterOf('text', NOW)).toBeUndefined();
    expect(retryAfterOf(undefined, NOW)).toBeUndefined();
  });
});

describe('attempt counts', () => {
  it('attaches to objects without changing them, and to our own errors as a property', () => {
    const error = new Error('x');
    recordAttempts(error, 3);
    expect(attemptsOf(error)).toBe(3);
    expect(Object.getOwnPropertyNames(error)).not.toContain('attempts');
    const ours = new TimeoutError(10);
    expect(ours.attempts).toBeUndefined();
    recordAttempts(ours, 2);
    expect(ours.attempts).toBe(2);
  });

  it('copes with frozen errors and primitives', () => {
    const frozen = Object.freeze(new TimeoutError(10));
    expect(() => recordAttempts(frozen, 4)).not.toThrow();
    expect(attemptsOf(frozen)).toBe(4);
    expect(() => recordAttempts('text', 2)).not.toThrow();
    expect(attemptsOf('text')).toBeUndefined();
    expect(attemptsOf(null)).toBeUndefined();
  });
});
