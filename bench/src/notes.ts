/**
 * For every target a run misses: why, with the numbers of that run and a CPU profile of the
 * scenario, and what it would take. The explanations are written once here; every number
 * in them comes from the run, except the figures marked with ~, which were measured once,
 * separately, on the machine docs/benchmarks.md describes.
 */
import type { Profile, ProfiledScenario } from './profile.js';
import { ns, type Results, type TargetCheck, type TargetId, timeoutCosts } from './targets.js';

/** The scenario to profile when a target is missed. */
export const PROFILE_FOR: Partial<Record<TargetId, ProfiledScenario>> = {
  'instrumented-vs-cockatiel': 'full pipeline, instrumented',
  'instrumented-vs-uninstrumented': 'full pipeline, instrumented',
  'full-vs-opossum': 'full pipeline',
  'timeout-vs-timer-pair': 'timeout alone',
  'pattern-timeout': 'timeout alone',
  'pattern-bulkhead': 'bulkhead alone',
  'pattern-breaker': 'breaker alone',
  'pattern-retry': 'retry alone',
  'pattern-fallback': 'fallback alone',
};

const n = (value: number) => `${Math.round(value).toLocaleString('en-US')} ns`;
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function profileTable(profile: Profile): string[] {
  return [
    `CPU profile of ${profile.calls.toLocaleString('en-US')} sequential calls (${profile.scenario}), self time:`,
    '',
    '| owner | share |',
    '| --- | ---: |',
    ...profile.owners.filter((o) => o.share >= 0.005).map((o) => `| ${o.name} | ${pct(o.share)} |`),
    '',
    '| function | share |',
    '| --- | ---: |',
    ...profile.functions.slice(0, 12).map((f) => `| \`${f.name}\` | ${pct(f.share)} |`),
    '',
  ];
}

function explain(id: TargetId, r: Results): string[] {
  switch (id) {
    case 'instrumented-vs-cockatiel':
    case 'instrumented-vs-uninstrumented': {
      // The overhead as the target reads it: with nothing but the two in the rounds.
      const plain = ns(r, 'instrumentation', 'rampart');
      const instrumented = ns(r, 'instrumentation', 'rampart instrumented');
      const sdk = ns(r, 'sdk', 'fn, then 2 SDK histogram records') - ns(r, 'sdk', 'bare await fn()');
      return [
        ...(id === 'instrumented-vs-cockatiel'
          ? [
              `This target is read in the full-pipeline rounds: the instrumented call takes ${n(ns(r, 'full', 'rampart instrumented'))}`,
              `there, cockatiel's full pipeline ${n(ns(r, 'full', 'cockatiel'))} (its timeout alone: ${n(ns(r, 'timeout', 'cockatiel timeout'))}).`,
              '',
            ]
          : []),
        `Instrumentation adds ${n(instrumented - plain)} to a call (${n(plain)} → ${n(instrumented)}), set up as`,
        "`startPrometheus` sets it up: a MeterProvider whose Prometheus reader collects rampart's",
        'histogram producer. The duration histograms are aggregated by rampart in pre-bound series (a',
        'bucket search and a few additions a record) and counters likewise; the SDK only reads them',
        "at collection. With SDK histograms instead (`instrument()`'s default, for applications that",
        `bring their own SDK) the SDK's two records would add ${n(sdk)} more (measured alone above):`,
        'its synchronous instruments hash the attribute set on every record.',
        '',
        'rampart otel records through a registry sink: the events of a call reach it as arguments,',
        'without event objects, in one guarded method call each, and the call reads the clock once',
        'on the way in and once on the way out, every stage sharing the reading. What the',
        'instrumented call adds (profile below) is those two clock reads — on this machine ~40 ns',
        "each in a loop and more in a call, and the unobserved call reads none (a lone call's",
        "timeout needs no reading) — the call's and the attempt's start and end bookkeeping, four",
        'sink calls (call, attempt, retry.done, circuit.call), and two histogram updates and two',
        "counter additions on rampart's pre-bound series (~10 ns a histogram update, ~3 ns a",
        'counter, measured alone).',
        '',
        'What it would take: the two reads cannot go (a duration needs a start and an end), nor can',
        'the four recordings (four metrics). What is left is the bookkeeping and the dispatch, and',
        'a report to a sink that does nothing costs ~2 ns measured alone: handing the sink one',
        'summary per call instead of four reports would save little, at the price of a narrower',
        'contract between core and its metrics adapter. The reads are the largest part, and they',
        "are the machine's and Node's: `clock_gettime` takes ~16 ns on this VM, and Node 20's",
        '`performance.now()` adds a brand check and a binding call (~40 ns; `process.hrtime()` is',
        'no faster). The ratio also varies from process to',
        'process (which of the two calls V8 optimizes the shared functions for first): see the',
        "scenario's note.",
        '',
      ];
    }
    case 'timeout-vs-timer-pair': {
      const { timeout, timerPair } = timeoutCosts(r);
      const bare = ns(r, 'timer', 'bare await fn()');
      const calls = ns(r, 'timer', "unref'd timer pair beside a call (the timer calls alone)") - bare;
      const finallyPair = ns(r, 'timer', "unref'd timer pair around a call, cleared in .finally") - bare;
      const floor =
        ns(r, 'timer', 'hand-written aggressive timeout: a context, a promise, a timer, one reaction') - bare;
      const busy =
        ns(r, 'timer', 'rampart timeout, another call in flight') - ns(r, 'timer', 'rampart empty pipeline');
      const times = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
      return [
        `The timeout adds ${n(timeout)} to a call; a timer pair around a call adds ${n(timerPair)}: the timer`,
        `calls alone take ${n(calls)}, and the rest is the one reaction that clears the timer. (Cleared`,
        `in \`.finally\`, which makes two more promises, the pair adds ${n(finallyPair)}.)`,
        '',
        floor > timerPair
          ? 'No timeout that arms a timer per call meets this target. Beyond the pair, an aggressive'
          : 'In this run even a timeout that arms a timer per call could meet it. Beyond the pair, an aggressive',
        'timeout must hand the function a context of its own (whose signal, made only when read,',
        'aborts at the deadline) and give the caller a promise of its own (which the deadline',
        'settles at once, before the function does). Written by hand with nothing around it (no',
        `pipeline, no events, no checks), that least a timeout must do adds ${n(floor)}: ${times(floor, timerPair)} the`,
        'pair (bench/src/scenarios/floors.ts).',
        '',
        `rampart's timeout costs ${n(Math.max(0, timeout - floor))} more than that floor: the inner layers run in a`,
        'child frame (its pass through the stages, its deadline entry in the queue), and the',
        'function sees that frame through a proxy, so that a spread context copies its signal: the',
        'profile below. A lone call reads no clock: the timer armed for its `after` marks its',
        `deadline. Calls in flight at once share one timer: with another call in flight, the`,
        `timeout adds ${n(busy)}, arming nothing but reading the clock to order its deadline.`,
        '',
        'What it would take: sequential calls sharing one timer, kept armed after the last call',
        'leaves until its time, so that a call arms none. That breaks the promise that no timer',
        "outlives its call (DESIGN.md; the timeout test 'clears its timer when the call settles",
        "first'; the soak's check that no timer is left), so it is the maintainers' call; and",
        busy <= timerPair
          ? `rampart's timeout with the timer already armed (${n(busy)}) shows that this alone would meet it.`
          : `rampart's timeout would also have to get cheaper: with the timer already armed it still adds ${n(busy)}.`,
        'Arming the timer only once the event loop turns would make this benchmark (whose calls end',
        'within one turn) cheap without helping a real call, which is still in flight then and',
        'would pay for both.',
        '',
      ];
    }
    case 'pattern-retry':
    case 'pattern-fallback': {
      const pattern = id.slice('pattern-'.length);
      const alone = ns(r, pattern, `rampart ${pattern}`);
      const cockatiel = ns(r, pattern, `cockatiel ${pattern}`);
      const empty = ns(r, 'bare', 'rampart empty pipeline');
      const bare = ns(r, 'bare', 'bare await fn()');
      return [
        `rampart's ${pattern} runs in a pipeline: ${n(alone)} a call, of which the pipeline with no`,
        `policy at all takes ${n(empty)} (a bare call: ${n(bare)}) and the ${pattern} itself about`,
        `${n(Math.max(0, alone - empty))}. cockatiel's ${pattern} alone (${n(cockatiel)}) is a single async function`,
        'with no pipeline around it. The pipeline is the call frame (the context every layer shares,',
        "the caller's promise) and is paid once per call, however many policies it holds: five cost",
        `${n(ns(r, 'full', 'rampart'))} against cockatiel's ${n(ns(r, 'full', 'cockatiel'))}.`,
        '',
        'What it would take: fewer objects per call. A call makes its frame (the context every',
        "layer shares, ~200 bytes), an outcome object for the stages' exits and two reactions to",
        "the function's promise, where one async function makes a promise and its suspended",
        "state; the garbage collector and V8's promise machinery are most of the profile below.",
        'A lone bulkhead or closed circuit breaker already runs an unobserved call without options',
        'with no frame (docs/pipeline.md, "a lone bulkhead or circuit breaker runs without a',
        `frame"); closing the gap of ${n(Math.max(0, alone - cockatiel))} for this ${pattern} would take such a path of its own,`,
        `for a pipeline that holds this one policy alone. For a ${pattern} it is harder than for those:`,
        "what follows a failed call (another attempt, the fallback's answer) would have to carry on",
        'in a frame from where the frame-less call stopped.',
        '',
      ];
    }
    case 'pattern-breaker':
    case 'pattern-bulkhead': {
      const pattern = id.slice('pattern-'.length);
      const alone = ns(r, pattern, `rampart ${pattern}`);
      const framed = ns(r, pattern, `rampart ${pattern}, call with a key (frame path)`);
      const cockatiel = ns(r, pattern, `cockatiel ${pattern}`);
      const empty = ns(r, pattern, 'rampart empty pipeline');
      const when = pattern === 'bulkhead' ? 'a slot is free' : 'the circuit is closed and untimed';
      return [
        `A pipeline that holds a ${pattern} alone runs an unobserved call without options with no`,
        `frame when ${when} (docs/pipeline.md, "a lone bulkhead or circuit breaker runs without a`,
        `frame"): ${n(alone)} a call here, against cockatiel's ${n(cockatiel)}. A miss here means that path was not`,
        'taken or has regressed. On the frame path (a call with options, or one in an observed',
        `pipeline) the ${pattern} takes ${n(framed)}, of which the frame with no policy in it takes ${n(empty)}.`,
        '',
      ];
    }
    case 'full-vs-opossum':
      return [
        `rampart's five policies take ${n(ns(r, 'full', 'rampart'))}, opossum's breaker with timeout, capacity and fallback`,
        `${n(ns(r, 'full', 'opossum breaker+timeout+capacity+fallback'))}. Both arm and clear one timer per call; rampart's call, unobserved,`,
        "reads no clock (opossum's reads `Date.now()` on the way in and out). The rest is the call",
        'frame and five stages against one breaker object (profile below).',
        '',
      ];
    case 'pattern-timeout': {
      const { timeout, timerPair } = timeoutCosts(r);
      return [
        `rampart's timeout takes ${n(ns(r, 'timeout', 'rampart timeout'))} a call, cockatiel's ${n(ns(r, 'timeout', 'cockatiel timeout'))}; when the function`,
        `reads its signal, ${n(ns(r, 'timeout', 'rampart timeout, function reads its signal'))} and ${n(ns(r, 'timeout', 'cockatiel timeout, function reads its signal'))}. cockatiel makes an AbortController and`,
        'listeners every call and aborts the controller when the call returns (a DOMException);',
        'rampart arms one timer, shared by the calls in flight, and makes the signal only when it',
        `is read. What rampart's timeout adds to a pipeline is ${n(timeout)} (a timer pair around a call: ${n(timerPair)};`,
        'see that target). A miss here means one of those paths has changed: the profile below.',
        '',
      ];
    }
    case 'rejection':
      return [
        `An open circuit rejects a call in ${n(ns(r, 'rejection', 'rampart'))} with rampart, ${n(ns(r, 'rejection', 'cockatiel'))} with cockatiel (opossum:`,
        `${n(ns(r, 'rejection', 'opossum'))}). Neither rampart nor cockatiel calls the function (both circuits are isolated). rampart makes its error without a`,
        "stack trace (a rejection is flow control) in the call's frame (an empty pipeline takes",
        `${n(ns(r, 'bare', 'rampart empty pipeline'))}); cockatiel throws, from its async function, an error that captures one. A miss here`,
        'means that path has changed.',
        '',
      ];
    case 'fleet-memory':
      return [
        'The figure is the heap that 10,000 idle pipelines (a breaker and a timeout each) retain per',
        'pipeline after two full collections, over a process that made nothing (table below). A',
        "pipeline holds its name, its policies' settings and counts and an event hub; instrumented,",
        "also the adapter's pre-bound attribute sets for its gauges (the difference to the",
        'uninstrumented row). What it would take: finding what grew, in a heap snapshot of the fleet',
        'child (`node --expose-gc --heapsnapshot-signal=SIGUSR2 bench/dist/scenarios/fleet.js',
        '"rampart pipeline, instrumented" 10000 60000`, then `kill -USR2` it).',
        '',
      ];
    case 'fleet-timers':
    case 'fleet-cpu':
      return [
        "An idle pipeline runs no timer: the breaker's open → half-open step happens when the next",
        'call or read looks, a timeout arms a timer only while a call is in flight, and the',
        "adapter's gauges are read when the metrics are collected. Idle CPU comes from timers, so",
        'the two targets fail together. What it would take: finding the timer, in',
        "`process.getActiveResourcesInfo()` of the fleet child (the scenario's own count) and the",
        'stack of whoever arms it.',
        '',
      ];
    default:
      return [];
  }
}

/** `lines` split at its blank lines, without them. */
function paragraphsOf(lines: readonly string[]): string[][] {
  const paragraphs: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line !== '') current.push(line);
    else if (current.length > 0) {
      paragraphs.push(current);
      current = [];
    }
  }
  if (current.length > 0) paragraphs.push(current);
  return paragraphs;
}

/** Markdown sections for the missed targets (none when all are met). */
export function missedTargetNotes(
  results: Results,
  checks: readonly TargetCheck[],
  profiles: ReadonlyMap<ProfiledScenario, Profile>,
): string[] {
  const missed = checks.filter((c) => !c.met);
  if (missed.length === 0) return [];
  const lines = ['## Targets missed in this run, and why', ''];
  // Paragraphs already printed (two targets may share an explanation, or part of one).
  const explained = new Set<string>();
  const profiled = new Set<ProfiledScenario>();
  for (const check of missed) {
    lines.push(`### ${check.target} (measured ${check.measured})`, '');
    const paragraphs = paragraphsOf(explain(check.id, results));
    const fresh = paragraphs.filter((p) => !explained.has(p.join('\n')));
    for (const p of fresh) {
      lines.push(...p, '');
      explained.add(p.join('\n'));
    }
    if (fresh.length < paragraphs.length) {
      lines.push(fresh.length === 0 ? 'See the note above.' : 'For the rest, see the note above.', '');
    }
    const scenario = PROFILE_FOR[check.id];
    const profile = scenario === undefined ? undefined : profiles.get(scenario);
    if (scenario !== undefined && profile !== undefined && !profiled.has(scenario)) {
      lines.push(...profileTable(profile));
      profiled.add(scenario);
    }
  }
  return lines;
}
