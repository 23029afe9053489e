import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import type { Scenario } from './harness.js';
import { missedTargetNotes } from './notes.js';
import type { Profile, ProfiledScenario } from './profile.js';
import type { FleetResult } from './scenarios/fleet.js';
import type { TargetCheck } from './targets.js';

const require = createRequire(import.meta.url);

const versionOf = (pkg: string): string => {
  try {
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    // Packages whose exports map hides package.json: read it next to the resolved entry.
    return 'unknown';
  }
};

export interface Report {
  readonly results: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly fleet: readonly FleetResult[];
  readonly checks: readonly TargetCheck[];
  readonly quick: boolean;
  readonly scenarios: readonly Scenario[];
  /** CPU profiles of the scenarios of missed targets. */
  readonly profiles: ReadonlyMap<ProfiledScenario, Profile>;
}

/** docs/benchmarks.md: the machine, the versions, every scenario and every target. */
export function renderMarkdown({ results, fleet, checks, quick, scenarios, profiles }: Report): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  // Fresh processes a scenario is measured in, in words: three unless `Scenario.processes` says otherwise.
  const words = ['none', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const inWords = (count: number) => words[count] ?? String(count);
  const otherCounts = scenarios
    .filter((s) => (s.processes ?? 3) !== 3)
    .map((s) => `${inWords(s.processes!)} for the ${s.id} scenario`);
  const processes = `three${otherCounts.length > 0 ? ` (${otherCounts.join(', ')})` : ''} fresh`;
  const lines = [
    '# Benchmarks',
    '',
    '<!-- written by `pnpm bench` (bench/src/run.ts); do not edit by hand -->',
    '',
    'rampart against [cockatiel](https://github.com/connor4312/cockatiel) and',
    `[opossum](https://github.com/nodeshift/opossum), side by side: each scenario in ${quick ? 'a fresh process' : processes}`,
    quick
      ? "of its own (none inherits another's heap or JIT state), its contenders in interleaved"
      : "processes of its own (none inherits another's heap or JIT state, and each result is the median over the processes, as what V8 decides while warming up differs between them), its contenders in interleaved",
    'rounds (each round measures every contender once, in a shuffled order), reporting the median over rounds',
    'of the mean time per call in each round (the mean, so that garbage collection is charged to',
    'whoever makes the garbage, in every run). The protected function resolves at once, so what is measured is the',
    "policies' own overhead. Ratios are what matter: their contenders are measured side by side in the same",
    "processes, and a ratio is of each contender's median.",
    'Times are CPU time of the benchmark process (user + system, all threads, so garbage',
    'collection counts), per call: every scenario is pure CPU work (no timer of the measured calls',
    "fires while measuring; the fixtures' few background timers, opossum's 1 s status intervals and",
    'one timeout a second of a call kept in flight, cost a negligible share), so on an idle machine this',
    'equals wall time, and on a shared one other processes do not inflate it. Before measuring,',
    "each contender's call is checked to resolve with the function's own value (or, for the open",
    'circuit, to reject), so none can look fast by doing less. Each contender runs for 50 ms',
    'before its batch size is chosen (a sample lasts ~200 us, so the microsecond CPU clock reads',
    'it to within 0.5 %), and no full garbage collection is forced between contenders: one',
    "shrinks V8's young generation, and for the tens of ms that follow every allocation costs",
    'more than it does in a service running steadily. A target that compares rampart with itself or',
    'with Node (what metrics cost; a timeout against a timer pair) is read from a scenario with no',
    "peer in its rounds: a peer's garbage otherwise moves it by more than the margin it is judged",
    "by (see those scenarios' notes).",
    '',
    `- Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `- Node ${process.versions.node} (V8 ${process.versions.v8})`,
    `- cockatiel ${versionOf('cockatiel')}, opossum ${versionOf('opossum')}, @opentelemetry/sdk-metrics ${versionOf('@opentelemetry/sdk-metrics')}, mitata ${versionOf('mitata')}`,
    `- Mode: ${quick ? 'quick (`pnpm bench --quick`: fewer, shorter rounds)' : 'full'}`,
    '- Reproduce: `pnpm bench` (full, writes this file) or `pnpm bench --quick`',
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`),
    '',
    ...missedTargetNotes(results, checks, profiles),
  ];
  for (const scenario of scenarios) {
    const measured = results.get(scenario.id);
    if (measured === undefined) continue;
    const fastest = Math.min(...measured.values());
    lines.push(
      `## ${scenario.title}`,
      '',
      ...(scenario.note === undefined ? [] : [...scenario.note, '']),
      '| contender | ns per call | vs fastest |',
      '| --- | ---: | ---: |',
    );
    for (const [name, value] of measured)
      lines.push(`| ${name} | ${value.toFixed(0)} | ${(value / fastest).toFixed(2)}× |`);
    lines.push('');
  }
  lines.push(
    '## 10,000 idle protected dependencies',
    '',
    'Each rampart item is a named pipeline (circuit breaker + timeout); the instrumented one is',
    'registered in a registry instrumented as `startPrometheus` does it (a real MeterProvider with a',
    "Prometheus exporter reader and rampart's histogram producer). Each row runs",
    'in a fresh process: it makes 10,000 items, collects garbage, reads the retained heap and the',
    "live timers, waits for the collector's aftermath to pass, then measures the CPU used over an",
    'idle window with nothing calling. The baseline row is such a process that made nothing.',
    '',
    '| contender | retained heap each | timers | idle CPU (ms per s) |',
    '| --- | ---: | ---: | ---: |',
    ...fleet.map(
      (f) =>
        `| ${f.name} | ${Math.round(f.bytesEach)} B | ${f.timers} | ${f.idleCpuMsPerSecond.toFixed(2)} |`,
    ),
    '',
  );
  return lines.join('\n');
}
