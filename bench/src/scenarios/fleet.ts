import { setTimeout as sleep } from 'node:timers/promises';
import { breakers, circuitBreaker, Registry, timeout } from '@rampart/core';
import * as cockatiel from 'cockatiel';
import CircuitBreaker from 'opossum';
import { instrumentedRegistry } from './contenders.js';
import { work } from './fixtures.js';

export interface FleetResult {
  readonly name: string;
  readonly count: number;
  /** Retained heap per item, in bytes. */
  readonly bytesEach: number;
  /** Timers and intervals alive because of the items. */
  readonly timers: number;
  /** CPU used per wall second while idle, in ms. */
  readonly idleCpuMsPerSecond: number;
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run the benchmarks with node --expose-gc (pnpm bench does)');
  collect();
  collect();
};

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/**
 * Creates `count` idle protected dependencies, then measures what they hold: retained heap,
 * live timers, and CPU burnt per second while nothing calls them.
 */
async function measureFleet(
  name: string,
  count: number,
  idleMs: number,
  create: (i: number) => unknown,
  release: (items: unknown[]) => Promise<void> | void,
): Promise<FleetResult> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const timersBefore = timers();
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) items.push(create(i));
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const timersAfter = timers();
  const cpuBefore = process.cpuUsage();
  await sleep(idleMs);
  const cpu = process.cpuUsage(cpuBefore);
  const result: FleetResult = {
    name,
    count,
    bytesEach: (heapAfter - heapBefore) / count,
    timers: timersAfter - timersBefore,
    idleCpuMsPerSecond: ((cpu.user + cpu.system) / 1_000 / idleMs) * 1_000,
  };
  await release(items);
  return result;
}

/** 10,000 named, instrumented pipelines (breaker + timeout) against the peers' equivalents. */
export async function fleetScenario(count: number, idleMs: number): Promise<FleetResult[]> {
  const results: FleetResult[] = [];
  // Baseline: the idle process itself, so that the others' CPU is read against it.
  results.push(
    await measureFleet(
      'nothing (baseline)',
      count,
      idleMs,
      () => null,
      () => {},
    ),
  );

  let instrumented: ReturnType<typeof instrumentedRegistry> | undefined;
  results.push(
    await measureFleet(
      'rampart pipeline, instrumented',
      count,
      idleMs,
      (i) => {
        instrumented ??= instrumentedRegistry();
        const p = instrumented.registry.pipeline(`dependency-${i}`, [
          circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
          timeout(1_000),
        ]);
        return p;
      },
      async () => {
        await instrumented?.shutdown();
      },
    ),
  );
  results.push(
    await measureFleet(
      'rampart pipeline, uninstrumented',
      count,
      idleMs,
      (i) => {
        const registry = new Registry();
        return registry.pipeline(`dependency-${i}`, [
          circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
          timeout(1_000),
        ]);
      },
      () => {},
    ),
  );
  results.push(
    await measureFleet(
      'cockatiel breaker + timeout',
      count,
      idleMs,
      () =>
        cockatiel.wrap(
          cockatiel.circuitBreaker(cockatiel.handleAll, {
            halfOpenAfter: 10_000,
            breaker: new cockatiel.ConsecutiveBreaker(5),
          }),
          cockatiel.timeout(1_000, cockatiel.TimeoutStrategy.Aggressive),
        ),
      () => {},
    ),
  );
  results.push(
    await measureFleet(
      'opossum breaker (timeout)',
      count,
      idleMs,
      (i) => new CircuitBreaker(work, { name: `dependency-${i}`, timeout: 1_000, resetTimeout: 10_000 }),
      (items) => {
        for (const b of items as CircuitBreaker[]) b.shutdown();
      },
    ),
  );
  return results;
}
