import {
  breakers,
  bulkhead,
  circuitBreaker,
  fallback,
  type Pipeline,
  Registry,
  retry,
  timeout,
} from '@rampart/core';
import * as cockatiel from 'cockatiel';
import type { Scenario } from '../harness.js';
import { cockatielPolicies, instrumentedRegistry, opossumFull, rampart } from './contenders.js';
import { work } from './fixtures.js';

const noop = () => {};

/** Builds every per-call scenario; `cleanup` releases what they hold (meter providers, opossum timers). */
export function callScenarios(): { scenarios: Scenario[]; cleanup: () => Promise<void> } {
  const plain = new Registry();
  const instrumented = instrumentedRegistry();
  const only = (name: string, policy: Parameters<Registry['pipeline']>[1][number]) =>
    plain.pipeline(name, [policy]);

  const empty = plain.pipeline('empty', []);
  const rFull = rampart.full(plain);
  const rFullInstrumented = rampart.full(instrumented.registry);
  const cFull = cockatielPolicies.full();
  const oFull = opossumFull(work);
  const oBreaker = opossumFull(work, 'breaker-only', { timeout: false, withFallback: false });
  const exec = (p: Pipeline) => () => p.execute(work);

  // 1,000 calls in flight at once: limits sized so that none is turned away.
  const wide = (registry: Registry, name: string) =>
    registry.pipeline(name, [
      fallback({ value: null }),
      circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
      retry({ maxAttempts: 3 }),
      timeout({ after: 1_000, strategy: 'aggressive' }),
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
  const inFlight = (start: () => Promise<unknown>) => () => {
    const calls = new Array<Promise<unknown>>(1_000);
    for (let i = 0; i < 1_000; i++) calls[i] = start();
    return Promise.all(calls);
  };

  // An open circuit: every call is rejected at once.
  const rOpen = only('open', rampart.breaker());
  (rOpen.policies[0] as unknown as { isolate(): void }).isolate();
  const cOpen = cockatielPolicies.breaker();
  cOpen.isolate();
  const oOpen = opossumFull(work, 'open', { withFallback: false });
  oOpen.open();

  const scenarios: Scenario[] = [
    {
      id: 'bare',
      title: 'Bare call vs an empty pipeline',
      candidates: [
        { name: 'bare await fn()', run: () => work() },
        { name: 'rampart empty pipeline', run: exec(empty) },
      ],
    },
    {
      id: 'retry',
      title: 'Retry alone (first attempt succeeds)',
      candidates: [
        { name: 'rampart retry', run: exec(only('retry', rampart.retry())) },
        {
          name: 'cockatiel retry',
          run: (
            (p) => () =>
              p.execute(work)
          )(cockatielPolicies.retry()),
        },
      ],
    },
    {
      id: 'breaker',
      title: 'Circuit breaker alone (closed)',
      candidates: [
        { name: 'rampart breaker', run: exec(only('breaker', rampart.breaker())) },
        {
          name: 'cockatiel breaker',
          run: (
            (p) => () =>
              p.execute(work)
          )(cockatielPolicies.breaker()),
        },
        { name: 'opossum breaker', run: () => oBreaker.fire() },
      ],
    },
    {
      id: 'bulkhead',
      title: 'Bulkhead alone',
      candidates: [
        { name: 'rampart bulkhead', run: exec(only('bulkhead', rampart.bulkhead())) },
        {
          name: 'cockatiel bulkhead',
          run: (
            (p) => () =>
              p.execute(work)
          )(cockatielPolicies.bulkhead()),
        },
      ],
    },
    {
      id: 'timeout',
      title: 'Timeout alone (aggressive, 1 s, call resolves at once)',
      candidates: [
        { name: 'rampart timeout', run: exec(only('timeout', rampart.timeout())) },
        {
          name: 'cockatiel timeout',
          run: (
            (p) => () =>
              p.execute(work)
          )(cockatielPolicies.timeout()),
        },
        {
          name: 'setTimeout/clearTimeout pair + call',
          run: () => {
            const t = setTimeout(noop, 1_000);
            return work().finally(() => clearTimeout(t));
          },
        },
        { name: 'rampart empty pipeline', run: exec(empty) },
        { name: 'bare await fn()', run: () => work() },
      ],
    },
    {
      id: 'fallback',
      title: 'Fallback alone (no failure)',
      candidates: [
        { name: 'rampart fallback', run: exec(only('fallback', rampart.fallback())) },
        {
          name: 'cockatiel fallback',
          run: (
            (p) => () =>
              p.execute(work)
          )(cockatielPolicies.fallback()),
        },
      ],
    },
    {
      id: 'full',
      title: 'Full pipeline: fallback, breaker, retry, timeout, bulkhead',
      candidates: [
        { name: 'rampart', run: exec(rFull) },
        { name: 'rampart instrumented', run: exec(rFullInstrumented) },
        { name: 'cockatiel', run: () => cFull.execute(work) },
        { name: 'opossum breaker+timeout+capacity+fallback', run: () => oFull.fire() },
      ],
    },
    {
      id: 'concurrent',
      title: '1,000 calls in flight at once (per call)',
      candidates: [
        { name: 'rampart', run: inFlight(() => rWide.execute(work)), perRun: 1_000 },
        { name: 'rampart instrumented', run: inFlight(() => rWideInstrumented.execute(work)), perRun: 1_000 },
        { name: 'cockatiel', run: inFlight(() => cWide.execute(work)), perRun: 1_000 },
        { name: 'opossum', run: inFlight(() => oWide.fire()), perRun: 1_000 },
      ],
    },
    {
      id: 'rejection',
      title: 'Open circuit: rejected call',
      candidates: [
        { name: 'rampart', run: () => rOpen.execute(work).catch(noop) },
        { name: 'cockatiel', run: () => cOpen.execute(work).catch(noop) },
        { name: 'opossum', run: () => oOpen.fire().catch(noop) },
      ],
    },
  ];

  return {
    scenarios,
    cleanup: async () => {
      for (const b of [oFull, oBreaker, oWide, oOpen]) b.shutdown();
      await instrumented.shutdown();
    },
  };
}
