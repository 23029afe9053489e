/**
 * `pnpm bench` — rampart against cockatiel and opossum, side by side in interleaved rounds
 * (each scenario in a process of its own: see apart.ts); prints medians and ratios and the
 * issue's targets, and writes docs/benchmarks.md.
 * `pnpm bench --quick` finishes in well under a minute and writes nothing unless `--write`.
 * A benchmark is not a test: the exit code says only whether it ran.
 */
import { writeFileSync } from 'node:fs';
import { measureApart } from './apart.js';
import { PROFILE_FOR } from './notes.js';
import { type Profile, type ProfiledScenario, profileScenario } from './profile.js';
import { renderMarkdown } from './report.js';
import { callScenarios } from './scenarios/calls.js';
import { fleetScenario } from './scenarios/fleet.js';
import { checkTargets, type Results } from './targets.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const writeIndex = args.indexOf('--write');
const output =
  writeIndex >= 0 ? (args[writeIndex + 1] ?? 'docs/benchmarks.md') : quick ? undefined : 'docs/benchmarks.md';

const started = Date.now();
// Here only for what each scenario is (ids, titles, notes): each is measured in its own process.
const { scenarios, cleanup } = callScenarios();
await cleanup();
const results = new Map<string, Map<string, number>>();
for (const scenario of scenarios) {
  const measured = measureApart(scenario.id, quick, quick ? 1 : (scenario.processes ?? 3));
  results.set(scenario.id, measured);
  const fastest = Math.min(...measured.values());
  console.log(`\n${scenario.title}`);
  for (const [name, value] of measured) {
    console.log(
      `  ${name.padEnd(44)} ${value.toFixed(0).padStart(8)} ns/call  ${(value / fastest).toFixed(2)}×`,
    );
  }
}

const fleet = await fleetScenario(10_000, quick ? 1_000 : 3_000);
console.log('\n10,000 idle protected dependencies');
for (const f of fleet) {
  console.log(
    `  ${f.name.padEnd(44)} ${Math.round(f.bytesEach).toString().padStart(6)} B each  ${String(f.timers).padStart(6)} timers  ${f.idleCpuMsPerSecond.toFixed(2)} ms CPU/s`,
  );
}

const checks = checkTargets(results as Results, fleet);
console.log('\nTargets');
for (const c of checks) console.log(`  ${c.met ? 'met    ' : 'MISSED '} ${c.target}: ${c.measured}`);

// A missed target gets a CPU profile of its scenario in the report.
const profiles = new Map<ProfiledScenario, Profile>();
for (const check of checks) {
  const scenario = PROFILE_FOR[check.id];
  if (check.met || scenario === undefined || profiles.has(scenario)) continue;
  const profile = profileScenario(scenario, quick ? 100_000 : 400_000);
  profiles.set(scenario, profile);
  console.log(`\nprofile of "${scenario}" (self time by owner)`);
  for (const o of profile.owners.slice(0, 6))
    console.log(`  ${(o.share * 100).toFixed(1).padStart(5)}%  ${o.name}`);
}
console.log(
  `\nbenchmarks ran in ${((Date.now() - started) / 1000).toFixed(1)} s (${quick ? 'quick' : 'full'})`,
);

if (output !== undefined) {
  writeFileSync(output, renderMarkdown({ results, fleet, checks, quick, scenarios, profiles }));
  console.log(`wrote ${output}`);
}
