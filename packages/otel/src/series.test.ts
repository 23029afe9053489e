import { describe, expect, it } from 'vitest';
import { type Key, SeriesCache } from './series.js';

describe('SeriesCache', () => {
  it('finds the same series for the same key, and another for any other key, last-found or not', () => {
    const cache = new SeriesCache({ team: 'a' }, ['x', 'y', 'z'], 10);
    const a = cache.get('p', 'a');
    expect(cache.get('p', 'a')).toBe(a); // the last one found
    const b = cache.get('p', 'b');
    expect(b).not.toBe(a);
    expect(cache.get('p', 'a')).toBe(a);
    const keys: [string, Key?, Key?, Key?][] = [
      ['q', 'a'],
      ['p', 'a', 'b'],
      ['p', 'a', undefined, 'c'],
      ['p', undefined, 'a'],
    ];
    const others = keys.map((k) => cache.get(...k));
    expect(new Set([a, b, ...others]).size).toBe(6);
    for (const [i, k] of keys.entries()) expect(cache.get(...k)).toBe(others[i]);
    expect(cache.get('p', 'a', undefined, 'c').attributes).toEqual({
      team: 'a',
      'rampart.pipeline': 'p',
      x: 'a',
      z: 'c',
    });
    expect(cache.all).toHaveLength(6);
  });
});
