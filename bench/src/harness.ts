import { measure } from 'mitata';

/** One contender in a scenario: a function doing one unit of work (one call, or one batch). */
export interface Candidate {
  readonly name: string;
  readonly run: () => unknown;
  /** Calls per `run()`, to report per-call cost for batch scenarios. */
  readonly perRun?: number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly candidates: readonly Candidate[];
}

export interface HarnessOptions {
  /** Interleaved rounds; each candidate is measured once per round. */
  readonly rounds: number;
  /** CPU time spent measuring one candidate in one round (ms). */
  readonly cpuTimeMs: number;
}

export const FULL: HarnessOptions = { rounds: 7, cpuTimeMs: 300 };
export const QUICK: HarnessOptions = { rounds: 3, cpuTimeMs: 40 };

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Measures every candidate in interleaved rounds (the order rotates each round, so that
 * drift of the machine — JIT, GC, a neighbour's load — spreads over all of them) and
 * returns each one's median over rounds of mitata's per-iteration p50, in ns per call.
 */
export async function measureScenario(
  scenario: Scenario,
  options: HarnessOptions,
): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(scenario.candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = scenario.candidates.map(
      (_, i) => scenario.candidates[(i + round) % scenario.candidates.length]!,
    );
    for (const candidate of order) {
      const stats = await measure(candidate.run, { min_cpu_time: options.cpuTimeMs * 1e6, min_samples: 12 });
      samples.get(candidate.name)!.push(stats.p50 / (candidate.perRun ?? 1));
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}
