import type { FleetResult } from './scenarios/fleet.js';

export type Results = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Which target a check is, so that the report can explain a miss. */
export type TargetId =
  | 'instrumented-vs-cockatiel'
  | 'instrumented-vs-uninstrumented'
  | 'full-vs-opossum'
  | 'pattern-retry'
  | 'pattern-breaker'
  | 'pattern-bulkhead'
  | 'pattern-timeout'
  | 'pattern-fallback'
  | 'timeout-vs-timer-pair'
  | 'rejection'
  | 'fleet-memory'
  | 'fleet-timers'
  | 'fleet-cpu';

export interface TargetCheck {
  readonly id: TargetId;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export const ns = (results: Results, scenario: string, name: string): number => {
  const value = results.get(scenario)?.get(name);
  if (value === undefined) throw new Error(`no result for "${name}" in scenario "${scenario}"`);
  return value;
};

const ratio = (a: number, b: number) => a / b;
const fmt = (r: number) => `${r.toFixed(2)}×`;

/**
 * What the timeout policy adds to a call, and what one timer pair around a call costs: armed
 * before it and cleared in one reaction to either outcome, the cheaper of plain and unref'd.
 */
export function timeoutCosts(results: Results): { timeout: number; timerPair: number } {
  const timeout = ns(results, 'timer', 'rampart timeout') - ns(results, 'timer', 'rampart empty pipeline');
  const timerPair =
    Math.min(
      ns(results, 'timer', 'timer pair around a call'),
      ns(results, 'timer', "unref'd timer pair around a call"),
    ) - ns(results, 'timer', 'bare await fn()');
  return { timeout: Math.max(0, timeout), timerPair };
}

/** The targets of issue 9, each as a ratio measured in this run. */
export function checkTargets(results: Results, fleet: readonly FleetResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (id: TargetId, target: string, value: number, limit: number, unit = fmt) =>
    checks.push({ id, target, measured: unit(value), met: value <= limit });

  add(
    'instrumented-vs-cockatiel',
    'instrumented full pipeline ≤ 0.10 × cockatiel full pipeline',
    ratio(ns(results, 'full', 'rampart instrumented'), ns(results, 'full', 'cockatiel')),
    0.1,
  );
  add(
    'instrumented-vs-uninstrumented',
    'instrumented full pipeline ≤ 1.5 × rampart uninstrumented',
    ratio(ns(results, 'instrumentation', 'rampart instrumented'), ns(results, 'instrumentation', 'rampart')),
    1.5,
  );
  add(
    'full-vs-opossum',
    'uninstrumented full pipeline ≤ opossum breaker+timeout+capacity+fallback',
    ratio(ns(results, 'full', 'rampart'), ns(results, 'full', 'opossum breaker+timeout+capacity+fallback')),
    1,
  );
  for (const pattern of ['retry', 'breaker', 'bulkhead', 'timeout', 'fallback'] as const) {
    add(
      `pattern-${pattern}`,
      `${pattern} alone ≤ cockatiel ${pattern}`,
      ratio(ns(results, pattern, `rampart ${pattern}`), ns(results, pattern, `cockatiel ${pattern}`)),
      1,
    );
  }
  const { timeout, timerPair } = timeoutCosts(results);
  add(
    'timeout-vs-timer-pair',
    'timeout costs ≤ one setTimeout/clearTimeout pair',
    ratio(timeout, timerPair),
    1,
  );
  add(
    'rejection',
    'open-circuit rejection ≤ 0.5 × cockatiel',
    ratio(ns(results, 'rejection', 'rampart'), ns(results, 'rejection', 'cockatiel')),
    0.5,
  );
  const instrumented = fleet.find((f) => f.name === 'rampart pipeline, instrumented');
  const baseline = fleet.find((f) => f.name === 'nothing (baseline)');
  if (instrumented !== undefined && baseline !== undefined) {
    add(
      'fleet-memory',
      '10,000 idle instrumented pipelines: ≤ 2 KB each',
      instrumented.bytesEach,
      2_048,
      (b) => `${Math.round(b)} B`,
    );
    add(
      'fleet-timers',
      '10,000 idle instrumented pipelines: zero timers',
      instrumented.timers,
      0,
      (t) => `${t} timers`,
    );
    // "No measurable idle CPU": within 1 ms per second of the idle process itself.
    add(
      'fleet-cpu',
      '10,000 idle instrumented pipelines: no measurable idle CPU',
      Math.max(0, instrumented.idleCpuMsPerSecond - baseline.idleCpuMsPerSecond),
      1,
      (ms) => `${ms.toFixed(2)} ms CPU/s over baseline`,
    );
  }
  return checks;
}
