import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import type { Scenario } from './harness.js';
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
}

/** docs/benchmarks.md: the machine, the versions, every scenario and every target. */
export function renderMarkdown({ results, fleet, checks, quick, scenarios }: Report): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    '<!-- written by `pnpm bench` (bench/src/run.ts); do not edit by hand -->',
    '',
    'rampart against [cockatiel](https://github.com/connor4312/cockatiel) and',
    '[opossum](https://github.com/nodeshift/opossum), measured in one process, in interleaved rounds',
    '(each round measures every contender once, in rotating order), reporting the median over rounds',
    "of mitata's per-call p50. The protected function resolves at once, so what is measured is the",
    "policies' own overhead. Ratios are what matter: they are measured side by side in one run.",
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
  ];
  for (const scenario of scenarios) {
    const measured = results.get(scenario.id);
    if (measured === undefined) continue;
    const fastest = Math.min(...measured.values());
    lines.push(
      `## ${scenario.title}`,
      '',
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
    'registered in a registry that `instrument()` observes with a real MeterProvider. CPU is measured',
    'over an idle period with nothing calling; the baseline row is the idle process itself.',
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
