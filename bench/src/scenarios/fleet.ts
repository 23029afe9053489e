import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { breakers, circuitBreaker, Registry, timeout } from '@rampart/core';
import * as cockatiel from 'cockatiel';
import CircuitBreaker from 'opossum';
import { runChild } from '../child.js';
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

interface Contender {
  /** Makes the i-th idle item. */
  create(i: number): unknown;
}

/** 10,000 named, instrumented pipelines (breaker + timeout) against the peers' equivalents. */
const CONTENDERS: Readonly<Record<string, () => Contender>> = {
  // Baseline: the idle process itself, so that the others' CPU is read against it.
  'nothing (baseline)': () => ({ create: () => null }),
  'rampart pipeline, instrumented': () => {
    const { registry } = instrumentedRegistry();
    return {
      create: (i) =>
        registry.pipeline(`dependency-${i}`, [
          circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
          timeout(1_000),
        ]),
    };
  },
  'rampart pipeline, uninstrumented': () => {
    const registry = new Registry();
    return {
      create: (i) =>
        registry.pipeline(`dependency-${i}`, [
          circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
          timeout(1_000),
        ]),
    };
  },
  'cockatiel breaker + timeout': () => ({
    create: () =>
      cockatiel.wrap(
        cockatiel.circuitBreaker(cockatiel.handleAll, {
          halfOpenAfter: 10_000,
          breaker: new cockatiel.ConsecutiveBreaker(5),
        }),
        cockatiel.timeout(1_000, cockatiel.TimeoutStrategy.Aggressive),
      ),
  }),
  'opossum breaker (timeout)': () => ({
    create: (i) =>
      new CircuitBreaker(work, { name: `dependency-${i}`, timeout: 1_000, resetTimeout: 10_000 }),
  }),
};

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run the benchmarks with node --expose-gc (pnpm bench does)');
  collect();
  collect();
};

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/**
 * Creates `count` idle items of one contender, then measures what they hold: retained
 * heap, live timers, and CPU burnt per second while nothing calls them. Runs in a fresh
 * process per contender, so that no contender idles on another's (or the call
 * benchmarks') garbage, and the baseline is an idle process in the same state.
 */
async function measureFleet(name: string, count: number, idleMs: number): Promise<FleetResult> {
  const contender = CONTENDERS[name]!();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const timersBefore = timers();
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) items.push(contender.create(i));
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const timersAfter = timers();
  // Let the setup's aftermath pass first (after the collections above, V8 sweeps and
  // unmaps memory on helper threads, which process.cpuUsage() counts too), then measure
  // one whole window: periodic work (intervals) counts in full.
  await sleep(Math.max(1_000, idleMs / 2));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(idleMs);
  const cpu = process.cpuUsage(cpuBefore);
  const idleSeconds = (performance.now() - started) / 1_000;
  if (items.length !== count) throw new Error('unreachable: keeps the items alive until now');
  return {
    name,
    count,
    bytesEach: (heapAfter - heapBefore) / count,
    timers: timersAfter - timersBefore,
    idleCpuMsPerSecond: (cpu.user + cpu.system) / 1_000 / idleSeconds,
  };
}

/** Measures every contender, each in a child process of its own. */
export async function fleetScenario(count: number, idleMs: number): Promise<FleetResult[]> {
  const results: FleetResult[] = [];
  for (const name of Object.keys(CONTENDERS)) {
    results.push(
      runChild<FleetResult>(import.meta.url, [name, String(count), String(idleMs)], {
        flags: ['--expose-gc'],
      }),
    );
  }
  return results;
}

// Child mode: `node --expose-gc fleet.js <contender> <count> <idleMs>` prints one result.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, count, idleMs] = process.argv.slice(2);
  if (name === undefined || !(name in CONTENDERS)) throw new Error(`unknown fleet contender "${name}"`);
  const result = await measureFleet(name, Number(count), Number(idleMs));
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
