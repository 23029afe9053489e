/**
 * Regenerates the variable reference in docs/configuration.md from the schema (the part
 * between the markers; the prose around it is written by hand). `reference.test.ts` fails
 * when the committed file is stale. Run from the repository root:
 *
 *   pnpm --filter @rampart/config docs:update
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceReference } from '../src/reference.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/configuration.md');
const before = readFileSync(path, 'utf8');
const after = replaceReference(before);
if (after === before) console.log(`${path} is up to date`);
else {
  writeFileSync(path, after);
  console.log(`wrote ${path}`);
}
