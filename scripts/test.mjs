#!/usr/bin/env node
// The whole test suite, as `pnpm test` and CI run it: build, typecheck, lint, every test.
// It ends with one plain summary line ("tests: N passed, N failed, N skipped") that any
// CI can read, after vitest's own closing summary.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = '.vitest-results.json';
const run = (label, cmd, args) => {
  process.stdout.write(`\n== ${label}: ${cmd} ${args.join(' ')}\n`);
  const { status } = spawnSync(cmd, args, { stdio: 'inherit' });
  return status ?? 1;
};

const failures = [];
for (const [label, cmd, args] of [
  ['build', 'tsc', ['-b']],
  ['typecheck', 'tsc', ['-p', 'tsconfig.check.json']],
  ['lint', 'biome', ['check', '.']],
]) {
  if (run(label, cmd, args) !== 0) failures.push(label);
}

rmSync(results, { force: true });
const vitestStatus = run('tests', 'vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${results}`,
  ...process.argv.slice(2),
]);
if (vitestStatus !== 0) failures.push('tests');

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
}
if (failures.length > 0) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
// A failed build, typecheck or lint step counts as one failure so the line never reads green.
const stepFailures = failures.filter((f) => f !== 'tests').length;
process.stdout.write(`\ntests: ${passed} passed, ${failed + stepFailures} failed, ${skipped} skipped\n`);
process.exit(failures.length > 0 ? 1 : 0);
