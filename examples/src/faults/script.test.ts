import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import {
  cycleLengthOf,
  DEFAULT_PHASES,
  FAULT_PHASES,
  type PhaseSpan,
  parseDuration,
  parsePhases,
  phaseAt,
  planRequest,
} from './script.js';

const short: PhaseSpan[] = FAULT_PHASES.map((phase) => ({ phase, duration: 1_000 }));

describe('phaseAt', () => {
  it('walks the phases in order and loops', () => {
    expect(phaseAt(short, 0).phase).toBe('healthy');
    expect(phaseAt(short, 999).phase).toBe('healthy');
    expect(phaseAt(short, 1_000).phase).toBe('latency');
    expect(phaseAt(short, 2_500).phase).toBe('errors');
    expect(phaseAt(short, 3_000).phase).toBe('outage');
    expect(phaseAt(short, 4_999).phase).toBe('recovery');
    expect(phaseAt(short, 5_000)).toEqual({ phase: 'healthy', progress: 0, remaining: 1_000, cycle: 1 });
    expect(phaseAt(short, 13_250)).toEqual({ phase: 'outage', progress: 0.25, remaining: 750, cycle: 2 });
  });

  it('stays healthy until a late start, then runs the script from its beginning', () => {
    expect(phaseAt(short, 500, 2_000)).toEqual({ phase: 'healthy', progress: 0, remaining: 1_500, cycle: 0 });
    expect(phaseAt(short, 3_000, 2_000).phase).toBe('latency');
    expect(phaseAt(short, 5_500, 2_000).phase).toBe('outage');
  });

  it('always lands in a phase of the script with time remaining in it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (durations, elapsed, offset) => {
          const phases = FAULT_PHASES.map((phase, i) => ({ phase, duration: durations[i]! }));
          const at = phaseAt(phases, elapsed, offset);
          expect(FAULT_PHASES).toContain(at.phase);
          expect(at.remaining).toBeGreaterThan(0);
          expect(at.progress).toBeGreaterThanOrEqual(0);
          expect(at.progress).toBeLessThan(1);
          // The phase still holds just before it is said to end.
          if (elapsed >= offset)
            expect(phaseAt(phases, elapsed + at.remaining - 0.5, offset).phase).toBe(at.phase);
        },
      ),
    );
  });

  it('refuses an empty script', () => {
    expect(() => phaseAt([], 0)).toThrow(/at least one phase/);
  });
});

describe('planRequest', () => {
  const plans = (phase: (typeof FAULT_PHASES)[number], n = 2_000, progress = 0.5) => {
    const random = seededRandom(42);
    return Array.from({ length: n }, () => planRequest({ phase, progress, remaining: 1, cycle: 0 }, random));
  };

  it('answers quickly and successfully when healthy', () => {
    for (const plan of plans('healthy')) {
      expect(plan.kind).toBe('ok');
      expect(plan.delay).toBeLessThanOrEqual(25);
    }
  });

  it('has latency spikes long enough for a timeout in the latency phase', () => {
    const slow = plans('latency').filter((p) => p.delay >= 600).length / 2_000;
    expect(slow).toBeGreaterThan(0.28);
    expect(slow).toBeLessThan(0.42);
  });

  it('answers 503 and 429 with Retry-After during error bursts', () => {
    const all = plans('errors');
    const unavailable = all.filter((p) => p.kind === 'status' && p.status === 503);
    const throttled = all.filter((p) => p.kind === 'status' && p.status === 429);
    expect(unavailable.length / all.length).toBeGreaterThan(0.25);
    expect(throttled.length / all.length).toBeGreaterThan(0.1);
    for (const p of [...unavailable, ...throttled]) expect(p.kind === 'status' && p.retryAfter).toBe(1);
  });

  it('drops every connection in an outage', () => {
    expect(new Set(plans('outage').map((p) => p.kind))).toEqual(new Set(['drop']));
  });

  it('recovers slowly at first and at normal speed by the end', () => {
    const early = Math.max(...plans('recovery', 200, 0).map((p) => p.delay));
    const late = Math.max(...plans('recovery', 200, 0.99).map((p) => p.delay));
    expect(early).toBeGreaterThanOrEqual(250);
    expect(late).toBeLessThan(40);
    expect(new Set(plans('recovery').map((p) => p.kind))).toEqual(new Set(['ok']));
  });
});

describe('parsePhases', () => {
  it('takes one duration for every phase', () => {
    expect(parsePhases('2s')).toEqual(FAULT_PHASES.map((phase) => ({ phase, duration: 2_000 })));
    expect(cycleLengthOf(parsePhases('500ms'))).toBe(2_500);
  });

  it('takes phase=duration pairs, keeping defaults for the rest and skipping a phase set to 0', () => {
    const phases = parsePhases('outage=1m, latency=0, recovery=3');
    expect(phases.map((p) => p.phase)).toEqual(['healthy', 'errors', 'outage', 'recovery']);
    expect(phases.find((p) => p.phase === 'outage')?.duration).toBe(60_000);
    expect(phases.find((p) => p.phase === 'recovery')?.duration).toBe(3_000);
    expect(phases.find((p) => p.phase === 'healthy')?.duration).toBe(DEFAULT_PHASES[0]!.duration);
  });

  it('names the bad part in its errors', () => {
    expect(() => parsePhases('outage=fast')).toThrow(/phases outage: "fast" is not a duration/);
    expect(() => parsePhases('broken=1s')).toThrow(/unknown phase "broken"; phases are healthy, latency/);
    expect(() => parsePhases('outage')).toThrow(/"outage" is not a duration/);
    expect(() => parsePhases('healthy=0,latency=0,errors=0,outage=0,recovery=0')).toThrow(/no phase/);
    expect(() => parsePhases(' ')).toThrow(/empty/);
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m and plain seconds', () => {
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('1.5s', 'x')).toBe(1_500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(parseDuration('90', 'x')).toBe(90_000);
  });

  it('rejects zero, negatives and junk, naming the flag', () => {
    expect(() => parseDuration('0', '--duration')).toThrow(/--duration: "0" must be more than 0/);
    expect(() => parseDuration('-1s', '--duration')).toThrow(/--duration: "-1s" is not a duration/);
    expect(() => parseDuration('soon', '--interval')).toThrow(/--interval/);
  });
});
