/**
 * The fault script that every simulated dependency follows, in a loop:
 * healthy → latency spikes → error bursts → full outage → recovery → healthy …
 *
 * Pure functions of time and a random source, so the behaviour is easy to test and the
 * same script can drive any number of dependency servers (each with its own offset).
 */

export type FaultPhase = 'healthy' | 'latency' | 'errors' | 'outage' | 'recovery';

/** The phases in the order they run. */
export const FAULT_PHASES: readonly FaultPhase[] = ['healthy', 'latency', 'errors', 'outage', 'recovery'];

/** One phase and how long it lasts (ms). */
export interface PhaseSpan {
  readonly phase: FaultPhase;
  readonly duration: number;
}

/** Default phase lengths (ms): long enough to watch each one play out in the live view. */
export const DEFAULT_PHASES: readonly PhaseSpan[] = [
  { phase: 'healthy', duration: 20_000 },
  { phase: 'latency', duration: 15_000 },
  { phase: 'errors', duration: 15_000 },
  { phase: 'outage', duration: 20_000 },
  { phase: 'recovery', duration: 15_000 },
];

/** Where a dependency is in its script at a given moment. */
export interface PhaseAt {
  readonly phase: FaultPhase;
  /** How far into the phase, 0..1 (recovery uses it to ramp latency down). */
  readonly progress: number;
  /** Milliseconds until the next phase starts. */
  readonly remaining: number;
  /** Completed cycles before this one (0 during the first pass, and before the script starts). */
  readonly cycle: number;
}

/**
 * Where the script stands `elapsed` ms after the demo started, for a dependency whose
 * script starts `offset` ms late (it stays healthy until then). Offsets stagger the
 * dependencies so that they do not all fail at once — that is what makes graceful
 * degradation visible.
 */
export function phaseAt(phases: readonly PhaseSpan[], elapsed: number, offset = 0): PhaseAt {
  const first = phases[0];
  if (first === undefined) throw new Error('a fault script needs at least one phase');
  const position = elapsed - offset;
  if (position < 0) return { phase: 'healthy', progress: 0, remaining: -position, cycle: 0 };
  const cycleLength = cycleLengthOf(phases);
  const cycle = Math.floor(position / cycleLength);
  let within = position - cycle * cycleLength;
  for (const span of phases) {
    if (within < span.duration) {
      return {
        phase: span.phase,
        progress: within / span.duration,
        remaining: span.duration - within,
        cycle,
      };
    }
    within -= span.duration;
  }
  // Floating-point rounding at the very end of a cycle: treat it as the start of the next.
  return { phase: first.phase, progress: 0, remaining: first.duration, cycle: cycle + 1 };
}

/** Length of one pass through the script (ms). */
export function cycleLengthOf(phases: readonly PhaseSpan[]): number {
  let total = 0;
  for (const span of phases) total += span.duration;
  return total;
}

/** What a dependency does with one request. */
export type FaultPlan =
  | { readonly kind: 'ok'; readonly delay: number }
  | {
      readonly kind: 'status';
      readonly status: 503 | 429;
      readonly retryAfter: number;
      readonly delay: number;
    }
  | { readonly kind: 'drop'; readonly delay: number };

/** Shares of requests affected in each faulty phase: tuned so each phase shows a different policy at work. */
export const FAULT_RATES = {
  /** Share of requests that take a latency spike (long enough to hit a timeout). */
  slow: 0.35,
  /** Share of requests answered 503 with Retry-After during an error burst. */
  unavailable: 0.3,
  /** Share of requests answered 429 with Retry-After during an error burst. */
  throttled: 0.15,
} as const;

/**
 * Decides how to answer one request in `at`'s phase. `random` returns numbers in [0, 1).
 *
 * - healthy: 5–25 ms.
 * - latency: most requests 20–80 ms, {@link FAULT_RATES.slow} of them 0.6–2.5 s.
 * - errors: 503 (Retry-After: 1) or 429 (Retry-After: 1) bursts, the rest 10–40 ms.
 * - outage: the connection is dropped without an answer (the client sees a reset).
 * - recovery: answers again, slow at first (≈250 ms, caches cold) and back to normal by the end.
 */
export function planRequest(at: PhaseAt, random: () => number): FaultPlan {
  switch (at.phase) {
    case 'healthy':
      return { kind: 'ok', delay: between(5, 25, random) };
    case 'latency':
      return random() < FAULT_RATES.slow
        ? { kind: 'ok', delay: between(600, 2_500, random) }
        : { kind: 'ok', delay: between(20, 80, random) };
    case 'errors': {
      const roll = random();
      if (roll < FAULT_RATES.unavailable) {
        return { kind: 'status', status: 503, retryAfter: 1, delay: between(2, 10, random) };
      }
      if (roll < FAULT_RATES.unavailable + FAULT_RATES.throttled) {
        return { kind: 'status', status: 429, retryAfter: 1, delay: between(1, 5, random) };
      }
      return { kind: 'ok', delay: between(10, 40, random) };
    }
    case 'outage':
      return { kind: 'drop', delay: between(0, 5, random) };
    case 'recovery': {
      const warm = 250 * (1 - at.progress);
      return { kind: 'ok', delay: warm + between(5, 25, random) };
    }
  }
}

function between(low: number, high: number, random: () => number): number {
  return Math.round(low + (high - low) * random());
}

/**
 * Parses a phase specification: either one duration for every phase (`3s`), or
 * `healthy=20s,latency=15s,errors=15s,outage=20s,recovery=15s` (phases left out keep
 * their default). Durations take `ms`, `s` or `m`; a plain number means seconds.
 */
export function parsePhases(text: string, defaults: readonly PhaseSpan[] = DEFAULT_PHASES): PhaseSpan[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('phases: empty; give one duration (e.g. 3s) or phase=duration pairs');
  if (!trimmed.includes('=')) {
    const duration = parseDuration(trimmed, 'phases');
    return defaults.map((span) => ({ phase: span.phase, duration }));
  }
  const lengths = new Map(defaults.map((span) => [span.phase, span.duration]));
  for (const part of trimmed.split(',')) {
    const [name, value, ...rest] = part.split('=').map((s) => s.trim());
    if (name === undefined || value === undefined || rest.length > 0 || name === '') {
      throw new Error(`phases: "${part}" is not phase=duration (e.g. outage=20s)`);
    }
    if (!(FAULT_PHASES as readonly string[]).includes(name)) {
      throw new Error(`phases: unknown phase "${name}"; phases are ${FAULT_PHASES.join(', ')}`);
    }
    // 0 skips a phase (e.g. outage=0 for a script without a full outage).
    lengths.set(name as FaultPhase, value === '0' ? 0 : parseDuration(value, `phases ${name}`));
  }
  const spans = FAULT_PHASES.map((phase) => ({ phase, duration: lengths.get(phase) ?? 0 })).filter(
    (span) => span.duration > 0,
  );
  if (spans.length === 0) throw new Error(`phases: "${text}" leaves no phase with a duration`);
  return spans;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;

/**
 * Parses a demo duration: `250ms`, `1.5s`, `2m`, or a plain number of seconds. Returns ms.
 * `what` names the flag or variable in the error.
 */
export function parseDuration(text: string, what: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new Error(
      `${what}: "${text}" is not a duration; write e.g. 500ms, 3s, 1.5m or a number of seconds`,
    );
  }
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1_000 : value * 60_000;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${what}: "${text}" must be more than 0`);
  return ms;
}
