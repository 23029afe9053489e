/**
 * Call scenarios measured in processes of their own. Measured one after another in a single
 * process, a scenario inherits the heap and the JIT state its predecessors left: after
 * cockatiel's full pipeline (~100 MB for the old generation between major collections) the
 * same rampart call read ~10 % faster or slower depending on what ran before. And what V8
 * decides while warming up (what to inline, which of two calls sharing code to optimize for
 * first) differs from process to process: cockatiel's breaker alone read 152 to 203 ns over
 * runs. So each scenario runs in fresh processes (three, or `Scenario.processes`), and each
 * contender's result is its median over them.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FULL, measureScenario, QUICK } from './harness.js';
import { callScenarios } from './scenarios/calls.js';

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Measures scenario `id` in `processes` fresh processes, one after another; ns per call by contender. */
export function measureApart(id: string, quick: boolean, processes: number): Map<string, number> {
  const runs: Map<string, number>[] = [];
  for (let i = 0; i < processes; i++) {
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), id, quick ? 'quick' : 'full'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    runs.push(new Map(JSON.parse(output) as [string, number][]));
  }
  return new Map([...runs[0]!.keys()].map((name) => [name, median(runs.map((run) => run.get(name)!))]));
}

// Child mode: `node --expose-gc apart.js <scenario> <full|quick>` prints that scenario's results.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [id, mode] = process.argv.slice(2);
  const { scenarios, cleanup } = callScenarios();
  const scenario = scenarios.find((s) => s.id === id);
  if (scenario === undefined) throw new Error(`unknown call scenario "${id}"`);
  const measured = await measureScenario(scenario, mode === 'quick' ? QUICK : FULL);
  await cleanup();
  process.stdout.write(JSON.stringify([...measured]));
  process.exit(0);
}
