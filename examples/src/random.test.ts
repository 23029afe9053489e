import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';

describe('seededRandom', () => {
  it('replays the same numbers for the same seed, in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1_000 }, () => b()));
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    expect(seededRandom(8)()).not.toBe(seededRandom(7)());
  });

  it('spreads evenly enough for the fault script', () => {
    const random = seededRandom(123);
    const below = Array.from({ length: 10_000 }, () => random()).filter((v) => v < 0.3).length;
    expect(below / 10_000).toBeGreaterThan(0.28);
    expect(below / 10_000).toBeLessThan(0.32);
  });
});
