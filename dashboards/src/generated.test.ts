import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from './files.js';

const GENERATED = fileURLToPath(new URL('../generated/', import.meta.url));

function committedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? committedFiles(path) : [relative(GENERATED, path)];
  });
}

describe('dashboards/generated', () => {
  const files = generatedFiles();

  it.each(files.map((f) => [f.path, f] as const))('%s is up to date with the code', (_path, file) => {
    let committed: string;
    try {
      committed = readFileSync(join(GENERATED, file.path), 'utf8');
    } catch {
      throw new Error(
        `dashboards/generated/${file.path} is missing: run pnpm --filter @rampart/dashboards build`,
      );
    }
    // A readable failure first, then the exact comparison.
    if (committed !== file.content) {
      throw new Error(
        `dashboards/generated/${file.path} is stale: the code generates something else. ` +
          'Run pnpm --filter @rampart/dashboards build and commit the result.',
      );
    }
    expect(committed).toBe(file.content);
  });

  it('holds nothing the code no longer generates', () => {
    const expected = new Set(files.map((f) => f.path));
    const stale = committedFiles(GENERATED).filter((path) => !expected.has(path));
    expect(stale, 'files in dashboards/generated that no generator writes').toEqual([]);
  });
});
