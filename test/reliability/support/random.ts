/**
 * A small seeded pseudo-random generator (mulberry32): every run of a reliability test
 * with the same seed makes the same choices in the same order, so a failure replays.
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next = (): number => {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of `choices`, picked by their weights. */
  weighted<T extends string>(choices: Readonly<Record<T, number>>): T {
    let total = 0;
    for (const key in choices) total += choices[key];
    let pick = this.next() * total;
    let last: T | undefined;
    for (const key in choices) {
      last = key;
      pick -= choices[key];
      if (pick < 0) return key;
    }
    return last!;
  }
}

/** The seed from an environment variable (a decimal or 0x integer), or `fallback`. */
export function seedFrom(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${variable} must be a non-negative integer seed, got ${JSON.stringify(text)}`);
  }
  return seed;
}
