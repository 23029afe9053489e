/**
 * `pnpm --filter @rampart/dashboards build` runs this after `tsc -b`: it writes every
 * generated file into `dashboards/generated/`, which is committed (a test fails when the
 * committed copy differs from what the code generates).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './files.js';

const out = fileURLToPath(new URL('../generated/', import.meta.url));
for (const file of generatedFiles(process.env)) {
  const target = join(out, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  process.stdout.write(`wrote generated/${file.path}\n`);
}
