import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { META_VARS, variableName } from './names.js';
import { REFERENCE_BEGIN, REFERENCE_END, renderReference, replaceReference } from './reference.js';
import { SETTINGS } from './settings.js';

const docPath = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/configuration.md');

describe('docs/configuration.md', () => {
  it('has the reference generated from the schema (run `pnpm --filter @rampart/config docs:update`)', () => {
    const doc = readFileSync(docPath, 'utf8');
    expect(replaceReference(doc)).toBe(doc);
  });

  it('the reference lists every variable with its default', () => {
    const reference = renderReference();
    for (const variable of META_VARS) expect(reference).toContain(`| \`${variable}\` |`);
    for (const setting of SETTINGS) expect(reference).toContain(`| \`${variableName(setting)}\` |`);
    expect(reference).toContain('| `RAMPART_RETRY_MAX_ATTEMPTS` | `3` | `2` |');
    expect(reference).toContain('| `RAMPART_BULKHEAD_QUEUE_TIMEOUT` | `infinity` | `5s` |');
  });

  it('replacing the reference needs both markers, and keeps the prose around them', () => {
    expect(() => replaceReference('no markers')).toThrow(/needs the markers/);
    const doc = `intro\n${REFERENCE_BEGIN}\nstale\n${REFERENCE_END}\noutro\n`;
    const updated = replaceReference(doc);
    expect(updated.startsWith('intro\n')).toBe(true);
    expect(updated.endsWith(`${REFERENCE_END}\noutro\n`)).toBe(true);
    expect(updated).not.toContain('stale');
  });
});
