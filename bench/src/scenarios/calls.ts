import { ValueType } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { bulkhead, type Pipeline, Registry } from '@rampart/core';
import {
  ATTR_ATTEMPT,
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  DURATION_BUCKETS_SECONDS,
  METRIC_ATTEMPT_DURATION,
  METRIC_CALL_DURATION,
} from '@rampart/otel';
import * as cockatiel from 'cockatiel';
import type { Candidate, Scenario } from '../harness.js';
import { cockatielPolicies, instrumentedRegistry, opossumFull, rampart } from './contenders.js';
import { work } from './fixtures.js';
import { handWrittenBulkhead, handWrittenTimeout, timerPairAround } from './floors.js';

const noop = () => {};

/** A contender whose call must resolve with the protected function's own value. */
const call = (name: string, run: () => unknown): Candidate => ({ name, run, expect: 1 });

/** Builds every per-call scenario; `cleanup` releases what they hold (meter providers, opossum timers). */
export function callScenarios(): { scenarios: Scenario[]; cleanup: () => Promise<void> } {
  const plain = new Registry();
  const instrumented = instrumentedRegistry();
  const only = (name: string, policy: Parameters<Registry['pipeline']>[1][number]) =>
    plain.pipeline(name, [policy]);
  const exec = (p: Pipeline) => () => p.execute(work);
  /** With options, a call takes the frame path even where a lone policy has a solo path. */
  const withKey = { key: 'k' };
  const execFramed = (p: Pipeline) => () => p.execute(work, withKey);
  const cockatielExec = (policy: { execute(fn: typeof work): Promise<unknown> }) => () =>
    policy.execute(work);

  const empty = plain.pipeline('empty', []);
  const rFull = rampart.full(plain);
  const rFullInstrumented = rampart.full(instrumented.registry);
  const cFull = cockatielPolicies.full();
  const oFull = opossumFull(work);
  const oBreaker = opossumFull(work, 'breaker-only', { timeout: false, withFallback: false });

  // The function reads its signal (as one passing it to fetch does): what that costs.
  const readsSignal = async ({ signal }: { signal: AbortSignal }) => (signal.aborted ? 0 : 1);
  const rTimeout = only('timeout', rampart.timeout());
  const cTimeout = cockatielPolicies.timeout();

  // The same timeout while another call is in flight (as in a busy service): the calls
  // share the policy's timer, so the measured calls neither set nor clear one. The call
  // kept in flight never settles; when it times out (once a second) another takes its place.
  const rTimeoutBusy = only('timeout-busy', rampart.timeout());
  let busy = true;
  const keepOneInFlight = (): void => {
    if (busy) rTimeoutBusy.execute(() => new Promise<never>(noop)).catch(keepOneInFlight);
  };
  keepOneInFlight();

  // What the OpenTelemetry SDK itself costs per call with SDK histograms (`instrument()`'s
  // default; the instrumented contender uses rampart's histogram producer instead): the two
  // histogram records (call and attempt duration), with the attribute sets rampart passes,
  // pre-built and frozen as rampart keeps them.
  const sdk = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const meter = sdk.getMeter('bench');
  const advice = { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] };
  const callDuration = meter.createHistogram(METRIC_CALL_DURATION.name, {
    valueType: ValueType.DOUBLE,
    advice,
  });
  const attemptDuration = meter.createHistogram(METRIC_ATTEMPT_DURATION.name, {
    valueType: ValueType.DOUBLE,
    advice,
  });
  const callAttributes = Object.freeze({ [ATTR_PIPELINE]: 'full', [ATTR_OUTCOME]: 'success' });
  const attemptAttributes = Object.freeze({
    [ATTR_PIPELINE]: 'full',
    [ATTR_ATTEMPT]: '1',
    [ATTR_OUTCOME]: 'success',
  });
  const recordBoth = (value: number): number => {
    attemptDuration.record(0.000_2, attemptAttributes);
    callDuration.record(0.000_3, callAttributes);
    return value;
  };

  // 1,000 calls in flight at once: limits sized so that none is turned away.
  const wide = (registry: Registry, name: string) =>
    registry.pipeline(name, [
      rampart.fallback(),
      rampart.breaker(),
      rampart.retry(),
      rampart.timeout(),
      bulkhead({ limit: 1_000, queue: 0 }),
    ]);
  const rWide = wide(plain, 'wide');
  const rWideInstrumented = wide(instrumented.registry, 'wide');
  const cWide = cockatiel.wrap(
    cockatielPolicies.fallback(),
    cockatielPolicies.breaker(),
    cockatielPolicies.retry(),
    cockatielPolicies.timeout(),
    cockatiel.bulkhead(1_000, 0),
  );
  const oWide = opossumFull(work, 'wide', { capacity: 1_000 });
  const inFlight = (name: string, start: () => Promise<unknown>): Candidate => ({
    name,
    perRun: 1_000,
    expect: new Array(1_000).fill(1),
    run: () => {
      const calls = new Array<Promise<unknown>>(1_000);
      for (let i = 0; i < 1_000; i++) calls[i] = start();
      return Promise.all(calls);
    },
  });

  // An open circuit: every call is rejected at once (resolving with 1 would mean it ran).
  const rOpen = only('open', rampart.breaker());
  (rOpen.policies[0] as unknown as { isolate(): void }).isolate();
  const cOpen = cockatielPolicies.breaker();
  cOpen.isolate();
  const oOpen = opossumFull(work, 'open', { withFallback: false });
  oOpen.open();
  const rejected = (name: string, run: () => Promise<unknown>): Candidate => ({
    name,
    run: () => run().catch(noop),
    expect: undefined,
  });

  const scenarios: Scenario[] = [
    {
      id: 'bare',
      title: 'Bare call vs an empty pipeline',
      candidates: [call('bare await fn()', () => work()), call('rampart empty pipeline', exec(empty))],
    },
    {
      id: 'retry',
      title: 'Retry alone (first attempt succeeds)',
      candidates: [
        call('rampart retry', exec(only('retry', rampart.retry()))),
        call('cockatiel retry', cockatielExec(cockatielPolicies.retry())),
      ],
    },
    {
      id: 'breaker',
      title: 'Circuit breaker alone (closed)',
      candidates: [
        call('rampart breaker', exec(only('breaker', rampart.breaker()))),
        call('cockatiel breaker', cockatielExec(cockatielPolicies.breaker())),
        call('opossum breaker', () => oBreaker.fire()),
        // The same breaker on the frame path (what a call with options, or an observed
        // pipeline's call, runs through), and the frame path with no policy in it.
        call(
          'rampart breaker, call with a key (frame path)',
          execFramed(only('breaker-framed', rampart.breaker())),
        ),
        call('rampart empty pipeline', exec(empty)),
      ],
    },
    {
      id: 'bulkhead',
      title: 'Bulkhead alone',
      candidates: [
        call('rampart bulkhead', exec(only('bulkhead', rampart.bulkhead()))),
        call('cockatiel bulkhead', cockatielExec(cockatielPolicies.bulkhead())),
        // The bulkhead on the frame path, the frame path with no policy in it (the first
        // contender's calls take the solo path instead), and a bulkhead with nothing around it.
        call(
          'rampart bulkhead, call with a key (frame path)',
          execFramed(only('bulkhead-framed', rampart.bulkhead())),
        ),
        call('rampart empty pipeline', exec(empty)),
        call('hand-written bulkhead: a counter and one reaction, no pipeline', handWrittenBulkhead),
      ],
    },
    {
      id: 'timeout',
      title: 'Timeout alone (aggressive, 1 s, call resolves at once)',
      candidates: [
        call('rampart timeout', exec(rTimeout)),
        call('cockatiel timeout', cockatielExec(cTimeout)),
        call('rampart timeout, function reads its signal', () => rTimeout.execute(readsSignal)),
        call('cockatiel timeout, function reads its signal', () => cTimeout.execute(readsSignal)),
      ],
    },
    {
      id: 'timer',
      title: 'What a timeout adds to a call, against one timer pair',
      note: [
        'The target "a timeout costs ≤ one setTimeout/clearTimeout pair" is read here: what the',
        'timeout adds to a pipeline (rampart timeout − rampart empty pipeline) against what a pair',
        'adds to a bare call, written the leanest correct way: armed before the call, cleared in',
        'one reaction to either outcome (plain, or unref as rampart arms its timers: the cheaper',
        'counts). The other rows show what that pair is made of (the timer calls alone), the pair',
        'cleared in `.finally` (the idiomatic way, which makes two more promises a call), and the',
        'least an aggressive timeout must do, written by hand (bench/src/scenarios/floors.ts): a',
        'context for the function, a promise for the caller, a timer, one reaction. rampart is',
        "compared with Node here, not with a peer, so no peer is in the rounds (cockatiel's timeout,",
        '~10 µs and an AbortController, a DOMException and listeners a call, slows whoever is',
        'measured after it).',
      ],
      candidates: [
        call('rampart timeout', exec(rTimeout)),
        call('rampart timeout, another call in flight', exec(rTimeoutBusy)),
        call('timer pair around a call', () => timerPairAround(setTimeout(noop, 1_000))),
        call("unref'd timer pair around a call", () => timerPairAround(setTimeout(noop, 1_000).unref())),
        call("unref'd timer pair around a call, cleared in .finally", () => {
          const t = setTimeout(noop, 1_000);
          t.unref();
          return work().finally(() => clearTimeout(t));
        }),
        // The floor under any aggressive timeout that arms a timer per call (floors.ts).
        call('hand-written aggressive timeout: a context, a promise, a timer, one reaction', () =>
          handWrittenTimeout(work),
        ),
        call("unref'd timer pair beside a call (the timer calls alone)", () => {
          const t = setTimeout(noop, 1_000);
          t.unref();
          clearTimeout(t);
          return work();
        }),
        call('rampart empty pipeline', exec(empty)),
        call('bare await fn()', () => work()),
      ],
    },
    {
      id: 'fallback',
      title: 'Fallback alone (no failure)',
      candidates: [
        call('rampart fallback', exec(only('fallback', rampart.fallback()))),
        call('cockatiel fallback', cockatielExec(cockatielPolicies.fallback())),
      ],
    },
    {
      id: 'full',
      title: 'Full pipeline: fallback, breaker, retry, timeout, bulkhead',
      candidates: [
        call('rampart', exec(rFull)),
        call('rampart instrumented', exec(rFullInstrumented)),
        call('cockatiel', () => cFull.execute(work)),
        call('opossum breaker+timeout+capacity+fallback', () => oFull.fire()),
      ],
    },
    {
      id: 'instrumentation',
      title: 'Instrumentation cost: the full pipeline with and without metrics',
      note: [
        'The same two pipelines as above, with nothing else in the rounds, in five fresh processes',
        '(each result is the median over them); the target "instrumented ≤ 1.5 × uninstrumented"',
        "is read here. In the rounds of the scenario above, cockatiel's full pipeline (an",
        'AbortController, a DOMException and listeners per call) grows the old generation by',
        "~100 MB between major collections (V8's `--trace-gc`), and the contenders measured after",
        'it pay part of that, the instrumented call more than the plain one; a generic allocation',
        'load in its place slowed both alike. And the two calls run the same functions, so which',
        'of them V8 optimizes those for first is decided anew in every process: on this machine',
        'the ratio of one process ranged from 1.34× to 1.67× over runs, and five processes',
        'settle it.',
      ],
      processes: 5,
      candidates: [call('rampart', exec(rFull)), call('rampart instrumented', exec(rFullInstrumented))],
    },
    {
      id: 'sdk',
      title: 'The OpenTelemetry SDK alone: the two histogram records of a call with SDK histograms',
      candidates: [
        call('bare await fn()', () => work()),
        call('fn, then 2 SDK histogram records', () => work().then(recordBoth)),
      ],
    },
    {
      id: 'concurrent',
      title: '1,000 calls in flight at once (per call)',
      note: [
        "Node's MaxListenersExceededWarning that this scenario prints is cockatiel's: its timeout adds",
        "an abort listener per call in flight to its parent's signal (the warning's stack, with",
        '`--trace-warnings`, runs through cockatiel/dist/TimeoutPolicy.js). rampart adds none: a call',
        'made without a signal has none to listen to, and its timeout makes its own only when read.',
      ],
      candidates: [
        inFlight('rampart', () => rWide.execute(work)),
        inFlight('rampart instrumented', () => rWideInstrumented.execute(work)),
        inFlight('cockatiel', () => cWide.execute(work)),
        inFlight('opossum', () => oWide.fire()),
      ],
    },
    {
      id: 'rejection',
      title: 'Open circuit: rejected call',
      candidates: [
        rejected('rampart', () => rOpen.execute(work)),
        rejected('cockatiel', () => cOpen.execute(work)),
        rejected('opossum', () => oOpen.fire()),
      ],
    },
  ];

  return {
    scenarios,
    cleanup: async () => {
      busy = false;
      for (const b of [oFull, oBreaker, oWide, oOpen]) b.shutdown();
      await instrumented.shutdown();
      await sdk.shutdown();
    },
  };
}
