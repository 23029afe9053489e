import { describe, expect, it } from 'vitest';
import { missedTargetNotes } from './notes.js';
import { callScenarios } from './scenarios/calls.js';
import type { FleetResult } from './scenarios/fleet.js';
import { checkTargets } from './targets.js';

/*
 * A note is printed only when its target is missed, so a full run that meets a target never
 * shows whether its note still names contenders the scenarios measure. This renders every
 * note from the contender names the scenarios really have.
 */
describe('the notes of missed targets', () => {
  it('explain every target from the contenders the scenarios measure', async () => {
    const { scenarios, cleanup } = callScenarios();
    await cleanup();
    // Distinct made-up figures: only the names matter here.
    const results = new Map(
      scenarios.map((scenario, i) => [
        scenario.id,
        new Map(scenario.candidates.map((candidate, j) => [candidate.name, 100 + 10 * i + j])),
      ]),
    );
    const fleet: FleetResult[] = [
      { name: 'nothing (baseline)', count: 10_000, bytesEach: 0, timers: 0, idleCpuMsPerSecond: 0 },
      {
        name: 'rampart pipeline, instrumented',
        count: 10_000,
        bytesEach: 4_000,
        timers: 1,
        idleCpuMsPerSecond: 5,
      },
    ];
    const checks = checkTargets(results, fleet).map((check) => ({ ...check, met: false }));
    expect(checks).toHaveLength(13);
    const lines = missedTargetNotes(results, checks, new Map());
    for (const check of checks) {
      const heading = lines.indexOf(`### ${check.target} (measured ${check.measured})`);
      expect(heading, check.target).toBeGreaterThan(0);
      // Something under every heading: an explanation, or a pointer to the one above.
      expect(lines[heading + 2], check.target).toMatch(/\w/);
      expect(lines[heading + 2]!.startsWith('###'), check.target).toBe(false);
    }
    expect(lines.join('\n')).not.toMatch(/undefined|NaN/);
  });
});
