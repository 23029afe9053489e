import { isDeepStrictEqual } from 'node:util';
import { measure } from 'mitata';

/** One contender in a scenario: a function doing one unit of work (one call, or one batch). */
export interface Candidate {
  readonly name: string;
  readonly run: () => unknown;
  /** Calls per `run()`, to report per-call cost for batch scenarios. */
  readonly perRun?: number;
  /**
   * What `run()` must resolve with. Checked before measuring, so that a contender that
   * silently rejects, or answers with its fallback, cannot look fast by doing less.
   */
  readonly expect?: unknown;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Printed under the scenario's table heading: why the scenario is set up as it is. */
  readonly note?: readonly string[];
  /**
   * Fresh processes to measure it in (full runs; see apart.ts): each contender's result is
   * its median over them. @defaultValue 3
   */
  readonly processes?: number;
  readonly candidates: readonly Candidate[];
}

export interface HarnessOptions {
  /** Interleaved rounds; each candidate is measured once per round. */
  readonly rounds: number;
  /** CPU time spent measuring one candidate in one round (ms). */
  readonly cpuTimeMs: number;
}

// More, shorter rounds than the quick run's: the median of 11 holds up better against a
// neighbour's load than that of 7 (the time spent is about the same).
export const FULL: HarnessOptions = { rounds: 11, cpuTimeMs: 200 };
export const QUICK: HarnessOptions = { rounds: 3, cpuTimeMs: 40 };

/**
 * The clock of every measurement: CPU time of this process (user + system, all threads, so
 * garbage collection on helper threads counts), in ns. Every scenario is pure CPU work (the
 * protected function resolves at once, and no timer of the measured calls fires while
 * measuring; the fixtures' few background timers, opossum's 1 s status intervals and one
 * timeout a second of the call kept in flight, cost a negligible share), so on an idle
 * machine it equals wall time, and on a busy one other processes do not inflate it.
 */
export const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1_000;
};

/** The median of `values` (the mean of the middle two for an even count). */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Runs per sample, so that a sample lasts about 200 us: the CPU clock ticks in microseconds,
 * and a sample of one slow call (cockatiel's timeout takes ~10 us) would read in whole us.
 * Timed after a warm-up: the first calls run before the JIT has compiled anything, and a
 * batch sized from them would be a handful of calls — read in whole microseconds, that
 * quantises every result to a quarter of a microsecond.
 */
async function runsPerSample(run: () => unknown): Promise<number> {
  const warmUntil = process.hrtime.bigint() + 50_000_000n;
  while (process.hrtime.bigint() < warmUntil) await run();
  const times: number[] = [];
  for (let i = 0; i < 16; i++) {
    const start = process.hrtime.bigint();
    for (let j = 0; j < 8; j++) await run();
    times.push(Number(process.hrtime.bigint() - start) / 8);
  }
  const perRun = Math.max(1, median(times));
  // A multiple of mitata's unroll (4), between 4 and its default batch of 4,096.
  return Math.min(4_096, Math.max(4, Math.round(200_000 / perRun / 4) * 4));
}

/** Runs each candidate once and checks what it resolved with. */
async function verify(scenario: Scenario): Promise<void> {
  for (const candidate of scenario.candidates) {
    if (!('expect' in candidate)) continue;
    let got: unknown;
    try {
      got = await candidate.run();
    } catch (error) {
      throw new Error(`${scenario.id} / ${candidate.name}: rejected instead of doing the work`, {
        cause: error,
      });
    }
    if (!isDeepStrictEqual(got, candidate.expect)) {
      throw new Error(
        `${scenario.id} / ${candidate.name}: resolved with ${JSON.stringify(got)?.slice(0, 80)}, expected ${JSON.stringify(candidate.expect)?.slice(0, 80)}`,
      );
    }
  }
}

/** A seeded shuffle (mulberry32): the same orders in every run, without a favourite. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Measures every candidate in interleaved rounds, each round in its own shuffled order, so
 * that drift of the machine — JIT, GC, a neighbour's load, the garbage one contender leaves
 * for the next — spreads over all of them (a rotating order would always put the same
 * contender after the same one), and returns each one's median over rounds of the mean
 * time per call in that round, in ns.
 *
 * The mean, not mitata's p50: a sample is ~200 us, and a contender that allocates gets a
 * young-generation collection every few samples — in more than half of them or fewer,
 * depending on how large V8 has grown the young generation in this process. The p50 then
 * counts the collections in one run and leaves them out in the next (the same code read
 * 640 or 800 ns). The mean charges every contender its garbage, every run.
 */
export async function measureScenario(
  scenario: Scenario,
  options: HarnessOptions,
): Promise<Map<string, number>> {
  await verify(scenario);
  const batches = new Map<string, number>();
  for (const candidate of scenario.candidates)
    batches.set(candidate.name, await runsPerSample(candidate.run));
  const samples = new Map<string, number[]>(scenario.candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = shuffled(scenario.candidates, round + 1);
    for (const candidate of order) {
      const stats = await measure(candidate.run, {
        min_cpu_time: options.cpuTimeMs * 1e6,
        min_samples: 12,
        now: cpuNow,
        // Always batch, with a batch as long as ~200 us (see runsPerSample).
        batch_threshold: Number.POSITIVE_INFINITY,
        batch_samples: batches.get(candidate.name)!,
        // No full collection before measuring (mitata's default when `gc()` is exposed, as it
        // is in the processes that measure: apart.ts): a full GC shrinks V8's young
        // generation to its minimum, and for the tens of ms that follow every allocation
        // costs several times its steady-state share of scavenges (a bare `await fn()` read
        // markedly slower). A service in steady state does not run like that; the
        // interleaved rounds and the median already spread the garbage of one contender
        // over all of them.
        gc: false,
      });
      samples.get(candidate.name)!.push(stats.avg / (candidate.perRun ?? 1));
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}
