/**
 * Where the time of one scenario goes: runs it in a child process under V8's CPU profiler
 * and sums the self time by function and by owner (rampart, the OpenTelemetry SDK, Node's
 * timers, the clock, garbage collection). `pnpm bench` puts this profile next to a target
 * it misses; on its own: `node bench/dist/profile.js <scenario> [calls]`.
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { Registry } from '@rampart/core';
import { runChild } from './child.js';
import { instrumentedRegistry, rampart } from './scenarios/contenders.js';
import { work } from './scenarios/fixtures.js';

/** The pipelines a profile can run, each called in a loop. */
const SCENARIOS = {
  'full pipeline, instrumented': () => rampart.full(instrumentedRegistry().registry),
  'full pipeline': () => rampart.full(new Registry()),
  'timeout alone': () => new Registry().pipeline('timeout', [rampart.timeout()]),
  'bulkhead alone': () => new Registry().pipeline('bulkhead', [rampart.bulkhead()]),
  'breaker alone': () => new Registry().pipeline('breaker', [rampart.breaker()]),
  'retry alone': () => new Registry().pipeline('retry', [rampart.retry()]),
  'fallback alone': () => new Registry().pipeline('fallback', [rampart.fallback()]),
  'empty pipeline': () => new Registry().pipeline('empty', []),
} as const;

export type ProfiledScenario = keyof typeof SCENARIOS;

export interface ProfileEntry {
  readonly name: string;
  /** Share of the profile's samples, 0..1. */
  readonly share: number;
}

export interface Profile {
  readonly scenario: ProfiledScenario;
  readonly calls: number;
  /** Self time by owner, largest first. */
  readonly owners: readonly ProfileEntry[];
  /** Self time by function, largest first. */
  readonly functions: readonly ProfileEntry[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const TIMER_FUNCTIONS = new Set(['getLibuvNow', 'toggleTimerRef', 'scheduleTimer']);

/** Who a function belongs to, from where it was loaded. */
function ownerOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (url.includes('@opentelemetry/sdk-metrics')) return 'OpenTelemetry SDK (sdk-metrics)';
  if (url.includes('@opentelemetry/')) return 'OpenTelemetry (other)';
  if (url.includes('/packages/otel/')) return 'rampart otel';
  if (url.includes('/packages/core/')) return 'rampart core';
  if (url.includes('timers') || TIMER_FUNCTIONS.has(functionName))
    return 'Node timers (setTimeout/clearTimeout)';
  if (url.includes('perf_hooks') || url.includes('performance') || (url === '' && functionName === 'now')) {
    return 'clock reads (performance.now, Date.now)';
  }
  if (url === '' && (functionName === '(program)' || functionName === '(idle)'))
    return 'V8 (promises, microtasks)';
  if (url.includes('/bench/')) return 'benchmark loop and awaits';
  return 'other (Node, module loading)';
}

function summarize(profile: CpuProfile): { owners: ProfileEntry[]; functions: ProfileEntry[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const time = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id);
    // The inspector answering Profiler.stop (serialising the profile) is not the scenario.
    if (frame === undefined || (frame.url === '' && frame.functionName === 'dispatch')) return;
    total += time;
    const owner = ownerOf(frame.functionName, frame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + time);
    const file = frame.url.split('/').slice(-2).join('/');
    const name = `${frame.functionName || '(anonymous)'}${file ? ` (${file}:${frame.lineNumber + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + time);
  });
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, time]) => ({ name, share: time / total })).sort((a, b) => b.share - a.share);
  return { owners: sorted(owners), functions: sorted(functions) };
}

/** Profiles `scenario` over `calls` sequential calls, in a child process (a fresh heap). */
export function profileScenario(scenario: ProfiledScenario, calls: number): Profile {
  const profile = runChild<CpuProfile>(import.meta.url, ['--child', scenario, String(calls)], {
    maxBuffer: 64 * 2 ** 20,
  });
  const { owners, functions } = summarize(profile);
  return { scenario, calls, owners, functions };
}

/** Warms the loop up, then profiles `calls` more calls; only those are in the profile. */
async function profileHere(scenario: ProfiledScenario, calls: number): Promise<CpuProfile> {
  const pipeline = SCENARIOS[scenario]();
  for (let i = 0; i < calls / 4; i++) await pipeline.execute(work);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  for (let i = 0; i < calls; i++) await pipeline.execute(work);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  return profile as unknown as CpuProfile;
}

// `node profile.js <scenario> [calls]` profiles and prints; `--child` runs the loop and
// writes the raw profile to stdout.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = process.argv[2] === '--child';
  const [scenario, count] = process.argv.slice(child ? 3 : 2) as [ProfiledScenario, string | undefined];
  const calls = Number(count ?? 300_000);
  if (!(scenario in SCENARIOS)) {
    throw new Error(`unknown scenario "${scenario}"; one of: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  if (child) {
    process.stdout.write(JSON.stringify(await profileHere(scenario, calls)));
    process.exit(0);
  }
  const profile = profileScenario(scenario, calls);
  for (const e of profile.owners) console.log(`${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`);
  console.log('');
  for (const e of profile.functions.slice(0, 20)) {
    console.log(`${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`);
  }
}
