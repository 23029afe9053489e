import type { CircuitState } from '@rampart/core';
import type { FaultPhase, PhaseAt } from '../faults/script.js';
import type { LoadCounts } from '../load/generator.js';
import type { PipelineLive } from './stats.js';

/**
 * Pure formatting of the live view, the plain status lines and the final summary. Kept
 * apart from the terminal handling so that it can be tested as strings.
 */

export interface DependencyView {
  readonly system: string;
  readonly at: PhaseAt;
}

export interface ViewModel {
  /** ms since the demo started. */
  readonly elapsed: number;
  readonly serviceUrl: string;
  readonly metricsUrl: string;
  readonly prometheusUrl: string | undefined;
  /** Requests per second of the load generator; undefined when traffic is off. */
  readonly rate: number | undefined;
  readonly windowSeconds: number;
  readonly pipelines: readonly PipelineLive[];
  readonly dependencies: readonly DependencyView[];
  readonly load: Readonly<LoadCounts> | undefined;
  /** Recent notable events, already formatted, oldest first. */
  readonly recent: readonly string[];
}

/** ANSI colours, or nothing (plain text, NO_COLOR, pipes). */
export interface Paint {
  readonly enabled: boolean;
  (text: string, colour: Colour): string;
}

export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export function painter(enabled: boolean): Paint {
  const paint = ((text: string, colour: Colour) => {
    if (!enabled) return text;
    const [on, off] = CODES[colour];
    return `\x1b[${on}m${text}\x1b[${off}m`;
  }) as Paint;
  Object.defineProperty(paint, 'enabled', { value: enabled });
  return paint;
}

const CIRCUIT_COLOURS: Record<CircuitState, Colour> = {
  closed: 'green',
  half_open: 'yellow',
  open: 'red',
  isolated: 'magenta',
};

const PHASE_LABELS: Record<FaultPhase, string> = {
  healthy: 'healthy',
  latency: 'latency spikes',
  errors: 'error bursts',
  outage: 'full outage',
  recovery: 'recovering',
};

const PHASE_COLOURS: Record<FaultPhase, Colour> = {
  healthy: 'green',
  latency: 'yellow',
  errors: 'yellow',
  outage: 'red',
  recovery: 'cyan',
};

/** `1m23s`, `45.2s`. */
export function formatElapsed(ms: number): string {
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3_600);
  const m = Math.floor((whole % 3_600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h${pad2(m)}m${pad2(s)}s` : `${m}m${pad2(s)}s`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function circuitText(state: CircuitState | undefined): string {
  if (state === undefined) return 'none';
  return state === 'closed' ? 'closed' : state === 'half_open' ? 'HALF-OPEN' : state.toUpperCase();
}

const COLUMNS = [
  ['pipeline', 10, 'left'],
  ['circuit', 10, 'left'],
  ['calls/s', 8, 'right'],
  ['error %', 8, 'right'],
  ['p95 ms', 8, 'right'],
  ['retries/s', 10, 'right'],
  ['timeouts', 9, 'right'],
  ['rejections', 11, 'right'],
  ['fallbacks', 10, 'right'],
] as const;

function cell(text: string, index: number): string {
  const [, width, align] = COLUMNS[index]!;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** The frame of the live view, one string per line. */
export function renderFrame(model: ViewModel, paint: Paint): string[] {
  const lines: string[] = [];
  const traffic = model.rate === undefined ? 'no traffic (--no-traffic)' : `${model.rate} audits/s`;
  lines.push(
    `${paint('rampart demo', 'bold')}  ·  running ${formatElapsed(model.elapsed)}  ·  ${traffic}  ·  numbers over the last ${model.windowSeconds} s`,
  );
  lines.push(
    `service ${model.serviceUrl}/audit/ada   ${paint('status', 'dim')} ${model.serviceUrl}/status   ${paint('health', 'dim')} ${model.serviceUrl}/health`,
  );
  let endpoints = `metrics ${model.metricsUrl}`;
  if (model.prometheusUrl !== undefined) endpoints += `   prometheus ${model.prometheusUrl}`;
  lines.push(endpoints);
  lines.push('');
  lines.push(paint(COLUMNS.map(([title], i) => cell(title, i)).join(' '), 'dim'));
  for (const p of model.pipelines) {
    const circuit = cell(circuitText(p.circuit), 1);
    const errorText = cell(Number.isFinite(p.errorPercent) ? `${p.errorPercent.toFixed(1)} %` : '–', 3);
    const errorColour: Colour | undefined =
      p.errorPercent >= 20 ? 'red' : p.errorPercent >= 1 ? 'yellow' : undefined;
    lines.push(
      [
        cell(p.name, 0),
        p.circuit === undefined ? circuit : paint(circuit, CIRCUIT_COLOURS[p.circuit]),
        cell(fixed(p.callsPerSecond, 1), 2),
        errorColour === undefined ? errorText : paint(errorText, errorColour),
        cell(Number.isFinite(p.p95) ? String(Math.round(p.p95)) : '–', 4),
        cell(fixed(p.retriesPerSecond, 1), 5),
        cell(String(p.timeouts), 6),
        cell(String(p.rejections), 7),
        cell(String(p.fallbacks), 8),
      ].join(' '),
    );
  }
  lines.push('');
  lines.push(paint(`${'dependency'.padEnd(10)} ${'fault phase'.padEnd(16)} next phase in`, 'dim'));
  for (const d of model.dependencies) {
    const label = PHASE_LABELS[d.at.phase].padEnd(16);
    lines.push(
      `${d.system.padEnd(10)} ${paint(label, PHASE_COLOURS[d.at.phase])} ${formatElapsed(d.at.remaining)}`,
    );
  }
  lines.push('');
  lines.push(model.load === undefined ? 'traffic  off' : `traffic  ${formatLoad(model.load)}`);
  lines.push('');
  lines.push(paint('recent events', 'dim'));
  for (const line of model.recent) lines.push(`  ${line}`);
  lines.push('');
  lines.push(paint('Ctrl-C to stop', 'dim'));
  return lines;
}

/** One plain line per pipeline, for logs and pipes. */
export function renderPlainStatus(model: ViewModel): string[] {
  const stamp = `[${formatElapsed(model.elapsed).padStart(8)}]`;
  const phases = new Map(model.dependencies.map((d) => [d.system, d.at.phase]));
  return model.pipelines.map(
    (p) =>
      `${stamp} ${p.name.padEnd(10)} circuit=${p.circuit ?? 'none'} calls/s=${fixed(p.callsPerSecond, 1)} ` +
      `error%=${fixed(p.errorPercent, 1)} p95ms=${Number.isFinite(p.p95) ? Math.round(p.p95) : '-'} ` +
      `retries/s=${fixed(p.retriesPerSecond, 1)} timeouts=${p.timeouts} rejections=${p.rejections} ` +
      `fallbacks=${p.fallbacks} phase=${phases.get(p.name) ?? '-'}`,
  );
}

export function formatLoad(load: Readonly<LoadCounts>): string {
  const statuses = Object.entries(load.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}: ${n}`)
    .join(' · ');
  const parts = [`${load.sent} sent`];
  if (statuses !== '') parts.push(statuses);
  parts.push(`degraded ${load.degraded}`, `no answer ${load.errors}`);
  if (load.cutShort > 0) parts.push(`cut short by the stop ${load.cutShort}`);
  if (load.skipped > 0) parts.push(`skipped ${load.skipped}`);
  return parts.join(' · ');
}

/** A circuit transition, as one plain line (parsed by the demo's own tests: keep the shape). */
export function formatTransition(
  elapsed: number,
  pipeline: string,
  from: CircuitState,
  to: CircuitState,
  reason: string,
  phase: FaultPhase | undefined,
): string {
  return `[${formatElapsed(elapsed).padStart(8)}] circuit ${pipeline}: ${from} -> ${to} (${reason}) phase=${phase ?? '-'}`;
}

/** A dependency entering a new phase of its fault script. */
export function formatPhaseChange(elapsed: number, system: string, from: FaultPhase, to: FaultPhase): string {
  return `[${formatElapsed(elapsed).padStart(8)}] phase ${system}: ${from} -> ${to} (${PHASE_LABELS[to]})`;
}

/** The closing summary: totals per pipeline, traffic, and what each dependency did. */
export function renderSummary(
  elapsed: number,
  pipelines: readonly PipelineLive[],
  load: Readonly<LoadCounts> | undefined,
  dependencies: readonly { system: string; counts: Readonly<Record<string, number>> }[],
): string[] {
  const lines = [`rampart demo stopped after ${formatElapsed(elapsed)}`, ''];
  const head = [
    'pipeline',
    'calls',
    'success',
    'failure',
    'rejected',
    'fallback',
    'retries',
    'timeouts',
    'opened',
    'closed',
  ];
  const widths = [10, 8, 8, 8, 9, 9, 8, 9, 7, 7];
  const row = (values: readonly string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' ');
  lines.push(row(head));
  for (const p of pipelines) {
    const t = p.totals;
    lines.push(
      row([
        p.name,
        String(t.calls),
        String(t.successes),
        String(t.failures),
        String(t.rejectedCalls),
        String(t.fallbackCalls),
        String(t.retries),
        String(t.timeouts),
        String(t.circuitOpened),
        String(t.circuitClosed),
      ]),
    );
  }
  lines.push('');
  lines.push(load === undefined ? 'traffic: off' : `traffic: ${formatLoad(load)}`);
  for (const d of dependencies) {
    const parts = Object.entries(d.counts)
      .filter(([key]) => key !== 'requests')
      .map(([key, n]) => `${key} ${n}`)
      .join(', ');
    lines.push(
      `${d.system.padEnd(10)} received ${d.counts.requests ?? 0} requests, health pings included (${parts})`,
    );
  }
  return lines;
}
