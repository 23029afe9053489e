import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoff, backoffDelay, validateBackoff } from './backoff.js';
import { BACKOFF_DEFAULTS, type BackoffSpec, JITTERS, MAX_TIMER_DELAY } from './options.js';

/** mulberry32: a small seeded PRNG in [0, 1), so jitter tests are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Delays before retries 1..count, threading the previous delay as a retry policy does. */
function delays(spec: BackoffSpec, count: number, random: () => number = Math.random): number[] {
  const out: number[] = [];
  let previous: number | undefined;
  for (let n = 1; n <= count; n++) {
    previous = backoffDelay(spec, n, previous, random);
    out.push(previous);
  }
  return out;
}

const noRandom = () => {
  throw new Error('jitter none must not draw a random number');
};

describe('backoff formulas without jitter', () => {
  it('pins the defaults', () => {
    expect(BACKOFF_DEFAULTS).toEqual({
      kind: 'exponential',
      initial: 200,
      factor: 2,
      max: 30_000,
      jitter: 'full',
    });
    expect(backoff.exponential()).toEqual(BACKOFF_DEFAULTS);
  });

  it('constant: the same delay every time', () => {
    const spec = backoff.constant(250, { jitter: 'none' });
    expect(spec).toEqual({ kind: 'constant', initial: 250, factor: 1, max: 250, jitter: 'none' });
    expect(delays(spec, 5, noRandom)).toEqual([250, 250, 250, 250, 250]);
  });

  it('linear: initial + step × (n - 1), capped; step defaults to initial', () => {
    expect(delays(backoff.linear({ initial: 100, step: 50, max: 260, jitter: 'none' }), 6, noRandom)).toEqual(
      [100, 150, 200, 250, 260, 260],
    );
    const byInitial = backoff.linear({ initial: 100, jitter: 'none' });
    expect(byInitial.factor).toBe(100);
    expect(delays(byInitial, 4, noRandom)).toEqual([100, 200, 300, 400]);
    expect(delays(backoff.linear({ initial: 100, step: 0, jitter: 'none' }), 3, noRandom)).toEqual([
      100, 100, 100,
    ]);
  });

  it('exponential: initial × factor^(n - 1), capped by max', () => {
    expect(delays(backoff.exponential({ jitter: 'none' }), 10, noRandom)).toEqual([
      200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000,
    ]);
    expect(
      delays(backoff.exponential({ initial: 10, factor: 3, max: 500, jitter: 'none' }), 5, noRandom),
    ).toEqual([10, 30, 90, 270, 500]);
    expect(
      delays(backoff.exponential({ initial: 10, factor: 1.5, max: 100, jitter: 'none' }), 4, noRandom),
    ).toEqual([10, 15, 22.5, 33.75]);
  });

  it('exponential stays at max for huge retry numbers and at 0 for initial 0 (no NaN)', () => {
    const spec = backoff.exponential({ initial: 100, factor: 10, max: 5_000, jitter: 'none' });
    expect(backoffDelay(spec, 10_000, undefined, noRandom)).toBe(5_000);
    const zero = backoff.exponential({ initial: 0, factor: 10, max: 5_000, jitter: 'none' });
    expect(backoffDelay(zero, 10_000, undefined, noRandom)).toBe(0);
    const steep = backoff.exponential({ initial: 1, factor: MAX_TIMER_DELAY, max: 1_000, jitter: 'none' });
    expect(delays(steep, 4, noRandom)).toEqual([1, 1_000, 1_000, 1_000]);
  });

  it('fibonacci: initial × 1, 1, 2, 3, 5, 8, …, capped', () => {
    expect(delays(backoff.fibonacci({ initial: 100, jitter: 'none' }), 8, noRandom)).toEqual([
      100, 100, 200, 300, 500, 800, 1_300, 2_100,
    ]);
    expect(delays(backoff.fibonacci({ initial: 100, max: 400, jitter: 'none' }), 6, noRandom)).toEqual([
      100, 100, 200, 300, 400, 400,
    ]);
    const spec = backoff.fibonacci({ initial: 1, max: 1_000, jitter: 'none' });
    expect(backoffDelay(spec, Number.MAX_SAFE_INTEGER, undefined, noRandom)).toBe(1_000);
  });

  it('treats a retry number below 1 as the first retry', () => {
    const spec = backoff.exponential({ jitter: 'none' });
    expect(backoffDelay(spec, 0)).toBe(200);
    expect(backoffDelay(spec, -3)).toBe(200);
  });
});

describe('backoff jitter bounds, over many seeds', () => {
  const specs: BackoffSpec[] = [
    backoff.exponential({ initial: 100, factor: 2, max: 3_000 }),
    backoff.linear({ initial: 50, step: 70, max: 1_000 }),
    backoff.fibonacci({ initial: 40, max: 2_000 }),
    backoff.constant(300),
  ];

  for (const base of specs) {
    const exact = delays({ ...base, jitter: 'none' }, 12);

    it(`${base.kind}/full: every delay in [0, d)`, () => {
      const spec = validateBackoff({ ...base, jitter: 'full' });
      let sum = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const got = delays(spec, 12, seeded(seed));
        got.forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(exact[i]!);
          sum += d / exact[i]!;
        });
      }
      // Spread over the range, not stuck at one end: the mean ratio is near 1/2.
      expect(sum / (300 * 12)).toBeGreaterThan(0.45);
      expect(sum / (300 * 12)).toBeLessThan(0.55);
    });

    it(`${base.kind}/equal: every delay in [d/2, d)`, () => {
      const spec = validateBackoff({ ...base, jitter: 'equal' });
      for (let seed = 1; seed <= 300; seed++) {
        delays(spec, 12, seeded(seed)).forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(exact[i]! / 2);
          expect(d).toBeLessThan(exact[i]!);
        });
      }
    });

    it(`${base.kind}/decorrelated: min(max, uniform(initial, 3 × previous))`, () => {
      const spec = validateBackoff({ ...base, jitter: 'decorrelated' });
      for (let seed = 1; seed <= 300; seed++) {
        let previous = spec.initial;
        for (const d of delays(spec, 12, seeded(seed))) {
          expect(d).toBeGreaterThanOrEqual(spec.initial);
          expect(d).toBeLessThanOrEqual(Math.min(spec.max, previous * 3));
          previous = d;
        }
      }
    });
  }

  it('decorrelated grows from initial and reaches the cap', () => {
    const spec = backoff.exponential({ initial: 100, max: 2_000, jitter: 'decorrelated' });
    expect(backoffDelay(spec, 1, undefined, () => 0)).toBe(100);
    expect(backoffDelay(spec, 1, undefined, () => 0.5)).toBe(200); // uniform(100, 300)
    expect(backoffDelay(spec, 2, 200, () => 0.5)).toBe(350); // uniform(100, 600)
    expect(backoffDelay(spec, 3, 1_500, () => 0.999)).toBe(2_000); // capped
  });

  it('decorrelated on a constant backoff moves only when max leaves room', () => {
    expect(delays(backoff.constant(300, { jitter: 'decorrelated' }), 4, seeded(7))).toEqual([
      300, 300, 300, 300,
    ]);
    const roomy = backoff.constant(300, { jitter: 'decorrelated', max: 900 });
    for (const d of delays(roomy, 20, seeded(3))) {
      expect(d).toBeGreaterThanOrEqual(300);
      expect(d).toBeLessThanOrEqual(900);
    }
  });

  it('property: no jitter ever exceeds max nor goes below 0', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('constant', 'linear', 'exponential', 'fibonacci'),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.constantFrom(...JITTERS),
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        (kind, initial, extra, factor, jitter, count, seed) => {
          const spec = validateBackoff({ kind, initial, max: initial + extra, factor, jitter });
          for (const d of delays(spec, count, seeded(seed))) {
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(spec.max);
            expect(Number.isFinite(d)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('backoff validation', () => {
  it('factories return frozen plain data', () => {
    const spec = backoff.exponential({ initial: 100 });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    expect(validateBackoff(spec)).toBe(spec); // already checked: returned as is
  });

  it('rejects negative and non-numeric delays, naming the option, value and range', () => {
    expect(() => backoff.constant(-1)).toThrow(RangeError);
    expect(() => backoff.constant(-1)).toThrow(
      'backoff.constant: delay (ms) must be a number from 0 to 2147483647, got -1',
    );
    expect(() => backoff.constant(-1)).toThrow(/got -1/);
    expect(() => backoff.constant(Number.NaN)).toThrow(TypeError);
    expect(() => backoff.exponential({ initial: -5 })).toThrow(
      /backoff\.exponential: initial \(ms\) must be a number from 0 to 2147483647, got -5/,
    );
    expect(() => backoff.linear({ initial: 10, step: -1 })).toThrow(/backoff\.linear: step \(ms\) .* got -1/);
    expect(() => backoff.fibonacci({ initial: 10, max: MAX_TIMER_DELAY + 1 })).toThrow(/max \(ms\)/);
    expect(() => backoff.exponential({ initial: Number.POSITIVE_INFINITY })).toThrow(/got Infinity/);
  });

  it('rejects a factor below 1, a max below initial, and missing required fields', () => {
    expect(() => backoff.exponential({ factor: 0.5 })).toThrow(
      /backoff\.exponential: factor must be a number from 1 to 2147483647, got 0\.5/,
    );
    expect(() => backoff.exponential({ initial: 500, max: 100 })).toThrow(
      /max \(ms\) must be >= initial \(500 ms\), got 100/,
    );
    expect(() => backoff.constant(500, { max: 100 })).toThrow(
      'backoff.constant: max (ms) must be >= the delay (500 ms), got 100; raise max or lower the delay',
    );
    expect(() => backoff.linear({} as never)).toThrow(/backoff\.linear: initial \(ms\) is required/);
    expect(() => backoff.fibonacci({} as never)).toThrow(/backoff\.fibonacci: initial \(ms\) is required/);
  });

  it('rejects an unknown jitter or kind with the list of allowed names', () => {
    expect(() => backoff.exponential({ jitter: 'random' as never })).toThrow(RangeError);
    expect(() => backoff.exponential({ jitter: 'random' as never })).toThrow(
      'backoff.exponential: jitter must be one of "none", "full", "equal", "decorrelated", got "random"',
    );
    expect(() => validateBackoff({ kind: 'quadratic' }, 'retry')).toThrow(
      'retry: backoff.kind must be one of "constant", "linear", "exponential", "fibonacci", got "quadratic"',
    );
  });

  it('rejects unknown option names and fields (a typo is an error, not a default)', () => {
    expect(() => backoff.exponential({ intial: 5 } as never)).toThrow(/unknown option "intial"/);
    expect(() => validateBackoff({ kind: 'linear', inital: 5 }, 'circuitBreaker', 'openFor')).toThrow(
      'circuitBreaker: openFor has an unknown field "inital"; known fields are kind, initial, factor, max, jitter',
    );
    expect(() => validateBackoff(5, 'circuitBreaker', 'openFor')).toThrow(
      /openFor must be a backoff .* got 5/,
    );
    expect(() => validateBackoff(null)).toThrow(TypeError);
  });

  it('fills a plain spec from the defaults, per kind', () => {
    expect(validateBackoff({})).toEqual(BACKOFF_DEFAULTS);
    expect(validateBackoff({ kind: 'linear', initial: 50 })).toEqual({
      kind: 'linear',
      initial: 50,
      factor: 50,
      max: 30_000,
      jitter: 'full',
    });
    expect(validateBackoff({ kind: 'constant', initial: 50, jitter: 'none' })).toEqual({
      kind: 'constant',
      initial: 50,
      factor: 1,
      max: 50,
      jitter: 'none',
    });
    expect(validateBackoff({ kind: 'fibonacci', factor: 7 }).factor).toBe(1);
    expect(() => validateBackoff({ kind: 'exponential', factor: 'x' }, 'retry')).toThrow(
      'retry: backoff.factor must be a number, got "x"',
    );
  });
});
