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
import { fileURLToPath } from 'node:url';
import { runChild } from './child.js';
import { FULL, measureScenario, median, QUICK } from './harness.js';
import { callScenarios } from './scenarios/calls.js';

/** Measures scenario `id` in `processes` fresh processes, one after another; ns per call by contender. */
export function measureApart(id: string, quick: boolean, processes: number): Map<string, number> {
  const runs: Map<string, number>[] = [];
  for (let i = 0; i < processes; i++) {
    const output = runChild<[string, number][]>(import.meta.url, [id, quick ? 'quick' : 'full'], {
      flags: ['--expose-gc'],
    });
    runs.push(new Map(output));
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
