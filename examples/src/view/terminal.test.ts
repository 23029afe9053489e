import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ViewModel } from './render.js';
import { TerminalView, type ViewMode } from './terminal.js';

const model = (): Omit<ViewModel, 'recent'> => ({
  elapsed: 5_000,
  serviceUrl: 'http://127.0.0.1:1',
  metricsUrl: 'http://127.0.0.1:2/metrics',
  prometheusUrl: undefined,
  rate: 20,
  windowSeconds: 10,
  pipelines: [
    {
      name: 'hr',
      circuit: 'open',
      callsPerSecond: 1,
      errorPercent: 50,
      p95: 10,
      retriesPerSecond: 0,
      timeouts: 0,
      rejections: 3,
      fallbacks: 0,
      totals: {
        calls: 2,
        successes: 1,
        failures: 1,
        rejectedCalls: 0,
        fallbackCalls: 0,
        retries: 0,
        timeouts: 0,
        rejections: 3,
        fallbacks: 0,
        circuitOpened: 1,
        circuitClosed: 0,
      },
    },
  ],
  dependencies: [{ system: 'hr', at: { phase: 'outage', progress: 0, remaining: 1_000, cycle: 0 } }],
  load: undefined,
});

function view(mode: ViewMode, colour = true, columns = 200, rows?: number) {
  const out = new PassThrough() as PassThrough & { columns?: number; rows?: number };
  out.columns = columns;
  if (rows !== undefined) out.rows = rows;
  let written = '';
  out.on('data', (chunk: Buffer) => {
    written += chunk.toString();
  });
  const v = new TerminalView({ out, mode, colour, interval: 60_000, refresh: 60_000, model });
  return { v, text: () => written };
}

const ESC = String.fromCharCode(27);

describe('TerminalView', () => {
  it('live: draws in place with ANSI, lists recent events, gives the cursor back on stop', () => {
    const { v, text } = view('live');
    v.start();
    v.event('[    4.2s] circuit hr: closed -> open (failure_threshold) phase=outage');
    v.stop();
    const out = text();
    expect(out.startsWith('\x1b[?25l')).toBe(true);
    expect(out.endsWith('\x1b[?25h')).toBe(true);
    // The second frame starts by moving back up over the first one.
    expect(out).toMatch(new RegExp(`${ESC}\\[\\d+F`));
    expect(out).toContain('\x1b[31mOPEN');
    expect(out).toContain('closed -> open (failure_threshold) phase=outage');
  });

  it('plain: prints events at once and a status line per pipeline, with no escape codes', () => {
    const { v, text } = view('plain');
    v.start();
    v.event('[    4.2s] phase hr: errors -> outage (full outage)');
    expect(text()).toBe('[    4.2s] phase hr: errors -> outage (full outage)\n');
    v.stop();
    expect(text()).toMatch(/hr\s+circuit=open .* phase=outage\n$/);
    expect(text()).not.toContain('\x1b[');
  });

  it('quiet: prints nothing at all', () => {
    const { v, text } = view('quiet');
    v.start();
    v.event('anything');
    v.stop();
    expect(text()).toBe('');
  });

  it('cuts lines to the terminal width so that a redraw never wraps', () => {
    const { v, text } = view('live', true, 40);
    v.start();
    v.stop();
    const lines = text().split('\n');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes.
    const visible = lines.map((line) => line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    for (const line of visible) expect(line.length).toBeLessThanOrEqual(40);
    expect(visible.some((line) => line.endsWith('…'))).toBe(true);
  });

  it('draws no more lines than the terminal has rows, so the redraw can always reach the top', () => {
    const tall = view('live', false, 200);
    tall.v.start();
    tall.v.stop();
    const full = tall.text().split('\n').length;
    const short = view('live', false, 200, 8);
    short.v.start();
    short.v.stop();
    const frames = short.text().split(`${ESC}[7F`);
    expect(frames).toHaveLength(2); // the second frame moved up over exactly 7 lines
    expect(short.text().split('\n').length).toBeLessThan(full);
  });
});
