import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApiReports, reportPath } from './api-report.js';

describe('public API report', () => {
  const reports = buildApiReports();
  for (const [name, text] of reports) {
    it(`api/${name}.api.md matches the exports (run \`pnpm api:update\` after a deliberate API change)`, () => {
      expect(existsSync(reportPath(name)), `api/${name}.api.md is missing`).toBe(true);
      expect(readFileSync(reportPath(name), 'utf8')).toBe(text);
    });
  }
});
