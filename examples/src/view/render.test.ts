import { describe, expect, it } from 'vitest';
import {
  formatElapsed,
  formatPhaseChange,
  formatTransition,
  painter,
  renderFrame,
  renderPlainStatus,
  renderSummary,
  type ViewModel,
} from './render.js';
import type { PipelineLive } from './stats.js';

const totals = {
  calls: 120,
  successes: 100,
  failures: 10,
  rejectedCalls: 5,
  fallbackCalls: 5,
  retries: 30,
  timeouts: 4,
  rejections: 5,
  fallbacks: 5,
  circuitOpened: 1,
  circuitClosed: 1,
};
const live = (name: string, extra: Partial<PipelineLive> = {}): PipelineLive => ({
  name,
  circuit: 'closed',
  callsPerSecond: 20,
  errorPercent: 2.5,
  p95: 31.4,
  retriesPerSecond: 1.5,
  timeouts: 2,
  rejections: 0,
  fallbacks: 1,
  totals,
  ...extra,
});
const model: ViewModel = {
  elapsed: 83_400,
  serviceUrl: 'http://127.0.0.1:8080',
  metricsUrl: 'http://127.0.0.1:9464/metrics',
  prometheusUrl: undefined,
  rate: 20,
  windowSeconds: 10,
  pipelines: [
    live('hr'),
    live('directory', { circuit: 'open', errorPercent: 100 }),
    live('sso', { circuit: 'half_open', errorPercent: Number.NaN, p95: Number.NaN }),
  ],
  dependencies: [
    { system: 'hr', at: { phase: 'healthy', progress: 0.1, remaining: 12_000, cycle: 0 } },
    { system: 'directory', at: { phase: 'outage', progress: 0.5, remaining: 3_000, cycle: 0 } },
    { system: 'sso', at: { phase: 'recovery', progress: 0.5, remaining: 3_000, cycle: 0 } },
  ],
  load: { sent: 10, byStatus: { '200': 8, '503': 1 }, degraded: 3, errors: 1, cutShort: 0, skipped: 0 },
  recent: ['[  12.0s] circuit directory: closed -> open (failure_threshold) phase=outage'],
};

describe('renderFrame', () => {
  it('shows every pipeline column, the phases, traffic and recent events in plain text without colours', () => {
    const text = renderFrame(model, painter(false)).join('\n');
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('running 1m23s');
    expect(text).toMatch(
      /pipeline\s+circuit\s+calls\/s\s+error %\s+p95 ms\s+retries\/s\s+timeouts\s+rejections\s+fallbacks/,
    );
    expect(text).toMatch(/hr\s+closed\s+20\.0\s+2\.5 %\s+31\s+1\.5\s+2\s+0\s+1/);
    expect(text).toMatch(/directory\s+OPEN\s+20\.0\s+100\.0 %/);
    expect(text).toMatch(/sso\s+HALF-OPEN\s+20\.0\s+–\s+–/);
    expect(text).toMatch(/directory\s+full outage\s+3\.0s/);
    expect(text).toContain('traffic  10 sent · 200: 8 · 503: 1 · degraded 3 · no answer 1');
    expect(text).toContain('closed -> open (failure_threshold) phase=outage');
  });

  it('colours circuit states: open red, half-open yellow, closed green', () => {
    const text = renderFrame(model, painter(true)).join('\n');
    expect(text).toContain('\x1b[31mOPEN');
    expect(text).toContain('\x1b[33mHALF-OPEN');
    expect(text).toContain('\x1b[32mclosed');
  });
});

describe('plain lines', () => {
  it('prints one key=value status line per pipeline with its dependency phase', () => {
    const lines = renderPlainStatus(model);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^\[ {3}1m23s\] directory\s+circuit=open calls\/s=20\.0 error%=100\.0 p95ms=31 retries\/s=1\.5 timeouts=2 rejections=0 fallbacks=1 phase=outage$/,
    );
    expect(lines[2]).toContain('error%=– p95ms=-');
  });

  it('formats transitions and phase changes for logs (and for the demo test that parses them)', () => {
    expect(formatTransition(4_200, 'hr', 'closed', 'open', 'failure_threshold', 'outage')).toBe(
      '[    4.2s] circuit hr: closed -> open (failure_threshold) phase=outage',
    );
    expect(formatPhaseChange(61_000, 'sso', 'errors', 'outage')).toBe(
      '[   1m01s] phase sso: errors -> outage (full outage)',
    );
  });
});

describe('renderSummary', () => {
  it('lists totals per pipeline, the traffic and what each dependency did', () => {
    const text = renderSummary(83_400, [live('hr')], model.load, [
      { system: 'hr', counts: { requests: 9, ok: 7, dropped: 2 } },
    ]).join('\n');
    expect(text).toContain('rampart demo stopped after 1m23s');
    expect(text).toMatch(/hr\s+120\s+100\s+10\s+5\s+5\s+30\s+4\s+1\s+1/);
    expect(text).toContain('traffic: 10 sent');
    expect(text).toContain('hr         received 9 requests, health pings included (ok 7, dropped 2)');
  });
});

describe('formatElapsed', () => {
  it('reads naturally from seconds to hours', () => {
    expect(formatElapsed(0)).toBe('0.0s');
    expect(formatElapsed(59_940)).toBe('59.9s');
    expect(formatElapsed(60_000)).toBe('1m00s');
    expect(formatElapsed(3_723_000)).toBe('1h02m03s');
  });
});
