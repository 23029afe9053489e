import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { METRICS, prometheusNames } from '../constants.js';
import { METRICS_REFERENCE_PATH, renderMetricsReference } from './metrics-reference.js';

const committed = () =>
  readFileSync(fileURLToPath(new URL(`../../../../${METRICS_REFERENCE_PATH}`, import.meta.url)), 'utf8');

/**
 * Ignores how table cells are padded, which a Markdown formatter may change; everything
 * else (names, units, values, wording) must match exactly.
 */
const normalize = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? '---' : cell.trim()))
            .join('|')
        : line,
    )
    .join('\n');

describe('docs/metrics.md', () => {
  it('is the reference generated from the constants (run `pnpm --filter @rampart/otel docs:metrics` to update)', () => {
    expect(normalize(committed())).toBe(normalize(renderMetricsReference()));
  });

  it('tells apart real drift from table padding', () => {
    const doc = renderMetricsReference();
    const padded = doc
      .replace('| Type | histogram |', '|  Type   |   histogram |')
      .replace('|---|---|', '| --- | :---: |');
    expect(normalize(padded)).toBe(normalize(doc));
    expect(normalize(doc.replace('rampart_call_duration_seconds', 'rampart_call_duration_secs'))).not.toBe(
      normalize(doc),
    );
  });

  it('names every instrument with its unit and both Prometheus names', () => {
    const text = renderMetricsReference();
    for (const m of METRICS) {
      const { direct, collector } = prometheusNames(m);
      expect(text).toContain(`### \`${m.name}\``);
      expect(text).toContain(`\`${direct}${m.kind === 'histogram' ? '_bucket' : ''}\``);
      expect(text).toContain(`\`${collector}${m.kind === 'histogram' ? '_bucket' : ''}\``);
      expect(text).toContain(m.moves);
    }
  });
});
