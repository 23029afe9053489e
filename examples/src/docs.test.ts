import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELP } from './cli.js';
import { DEFAULT_PHASES } from './faults/script.js';
import { DEMO_TUNING } from './pipelines.js';

/** docs/getting-started.md describes the demo: it must not drift from the code. */
const guide = readFileSync(new URL('../../docs/getting-started.md', import.meta.url), 'utf8');

describe('docs/getting-started.md', () => {
  it('lists every demo default with its value', () => {
    for (const [variable, value] of Object.entries(DEMO_TUNING)) {
      expect(guide, variable).toMatch(
        new RegExp(`\\| \`${variable}\` \\| \`${value.replace('%', '\\%')}\` \\|`),
      );
    }
  });

  it('documents every flag of --help, and the default phase lengths', () => {
    const flags = [...HELP.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) if (flag !== '--help') expect(guide, flag).toContain(`\`${flag}`);
    const labels = {
      healthy: 'healthy',
      latency: 'latency spikes',
      errors: 'error bursts',
      outage: 'full outage',
      recovery: 'recovery',
    };
    for (const { phase, duration } of DEFAULT_PHASES) {
      expect(guide, phase).toContain(`| ${labels[phase]} (${duration / 1_000} s) |`);
    }
  });
});
