import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../env-file.js';
import { loadConfig } from '../load.js';
import { variableName } from '../names.js';
import { SETTINGS } from '../settings.js';
import { main } from './run.js';

function run(argv: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const code = main(argv, {
    env,
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The table's rows as [variable, default, value, source]. */
const rows = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/ {2,}/));

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('rampart env', () => {
  it('prints every setting with its default, current value and source', () => {
    const { code, stdout, stderr } = run(['env', '--pipelines', 'payments,search'], {
      RAMPART_PROFILE: 'development',
      RAMPART_RETRY_MAX_ATTEMPTS: '4',
      RAMPART_PAYMENTS_TIMEOUT_AFTER: '2s',
      RAMPART_RATE_LIMIT_RATE: '20',
    });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toMatch(/^VARIABLE\s+DEFAULT\s+VALUE\s+SOURCE$/);
    const table = new Map(rows(stdout).map((r) => [r[0], r.slice(1)]));
    // Every global variable, and every per-pipeline one of both pipelines.
    for (const setting of SETTINGS) {
      expect(table.has(variableName(setting))).toBe(true);
      if (setting.perPipeline) expect(table.has(variableName(setting, 'search'))).toBe(true);
    }
    expect(table.get('RAMPART_RETRY_MAX_ATTEMPTS')).toEqual(['3', '4', 'env']);
    expect(table.get('RAMPART_SEARCH_RETRY_MAX_ATTEMPTS')).toEqual([
      '3',
      '4',
      'env (RAMPART_RETRY_MAX_ATTEMPTS)',
    ]);
    expect(table.get('RAMPART_PAYMENTS_TIMEOUT_AFTER')).toEqual(['10s', '2s', 'env']);
    expect(table.get('RAMPART_SEARCH_TIMEOUT_AFTER')).toEqual(['10s', '5s', 'profile']);
    expect(table.get('RAMPART_BULKHEAD_LIMIT')).toEqual(['10', '10', 'default']);
    expect(table.get('RAMPART_BULKHEAD_QUEUE_TIMEOUT')).toEqual(['infinity', '5s', 'profile']);
    expect(table.get('RAMPART_RATE_LIMIT_BURST')).toEqual([
      '100',
      '20',
      'default (= RAMPART_RATE_LIMIT_RATE)',
    ]);
    expect(table.get('RAMPART_PROFILE')).toEqual(['-', 'development', 'env']);
    expect(table.get('RAMPART_PAYMENTS_ENABLED')).toEqual(['true', 'true', 'default']);
  });

  it('marks invalid values in the table and exits 1 listing every problem', () => {
    const { code, stdout, stderr } = run(['env'], {
      RAMPART_BULKHEAD_LIMIT: 'many',
      RAMPART_HEDGE_DELAY: '-1',
    });
    expect(code).toBe(1);
    expect(rows(stdout).find((r) => r[0] === 'RAMPART_BULKHEAD_LIMIT')).toEqual([
      'RAMPART_BULKHEAD_LIMIT',
      '10',
      'many (invalid)',
      'env',
    ]);
    expect(stderr).toBe(
      [
        'rampart configuration is invalid (2 problems):',
        '  - RAMPART_BULKHEAD_LIMIT="many" (env): must be an integer >= 1',
        '  - RAMPART_HEDGE_DELAY="-1" (env): must be a duration (250ms, 15s, 2m, 1h; a plain number is ms) >= 0ms',
        '',
      ].join('\n'),
    );
  });

  it('--check validates quietly: a summary when valid, every problem and exit 1 when not', () => {
    const good = run(['env', '--check', '--pipelines=payments'], {
      RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS: '5',
      RAMPART_RETRY_MAX_ATEMPTS: '2',
      NODE_ENV: 'development',
    });
    expect(good.code).toBe(0);
    expect(good.stdout).toBe(
      'rampart configuration is valid: 2 variables set, profile development, 1 warning\n',
    );
    expect(good.stderr).toBe(
      'warning: RAMPART_RETRY_MAX_ATEMPTS="2": unknown variable; did you mean RAMPART_RETRY_MAX_ATTEMPTS?\n',
    );

    const strict = run(['env', '--check'], { RAMPART_STRICT: 'yes', RAMPART_RETRY_MAX_ATEMPTS: '2' });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toContain('RAMPART_RETRY_MAX_ATEMPTS="2" (env): must be a known rampart variable');
  });

  it('--example prints a commented .env.example that loads back to the defaults when uncommented', () => {
    const { code, stdout } = run(['env', '--example', '--pipelines', 'payments']);
    expect(code).toBe(0);
    // Commented out: as written, it changes nothing.
    expect(parseEnvFile(stdout, 'example').entries.size).toBe(0);
    for (const setting of SETTINGS) expect(stdout).toContain(`# ${variableName(setting)}=`);
    expect(stdout).toContain('# RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS=');
    // Uncommented, every default written in it reads back as the default.
    const uncommented = stdout.replace(/^# (RAMPART_[A-Z0-9_]+=\S+)$/gm, '$1');
    const parsed = parseEnvFile(uncommented, 'example');
    expect(parsed.issues).toEqual([]);
    const env = Object.fromEntries([...parsed.entries].map(([k, v]) => [k, v.value]));
    expect(Object.keys(env).length).toBeGreaterThanOrEqual(SETTINGS.length);
    const fromExample = loadConfig({ pipelines: ['payments'], env });
    // Only notes that the window breakers' settings do nothing for the default consecutive breaker.
    expect(fromExample.warnings.map((w) => w.message.slice(0, 14))).toEqual(
      fromExample.warnings.map(() => 'has no effect:'),
    );
    expect(fromExample.pipelines).toEqual(loadConfig({ pipelines: ['payments'], env: {} }).pipelines);
  });

  it('--example path writes the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-cli-'));
    const { code, stdout } = run(['env', '--example', '.env.example'], {}, dir);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${join(dir, '.env.example')}\n`);
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toContain('# RAMPART_RETRY_MAX_ATTEMPTS=3');
  });

  it('--json gives the settings, issues and warnings for programs', () => {
    const { code, stdout } = run(['env', '--json', '--pipelines', 'payments'], {
      RAMPART_TIMEOUT_AFTER: '3s',
    });
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { settings: { variable: string; valueText: string }[] };
    expect(parsed.settings.find((s) => s.variable === 'RAMPART_PAYMENTS_TIMEOUT_AFTER')?.valueText).toBe(
      '3s',
    );
  });

  it('usage errors exit 2 with the usage; --help exits 0', () => {
    expect(run(['env', '--nope'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option "--nope"'),
    });
    expect(run(['deploy'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "deploy"'),
    });
    expect(run(['env', '--profile', 'staging']).code).toBe(2);
    expect(run(['env', '--pipelines', 'bad name']).code).toBe(2);
    expect(run(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: rampart env') });
  });

  // The real command as users run it: node on the bin, which loads the compiled CLI. Needs
  // `pnpm build` first (the full suite, `pnpm test`, builds before it tests).
  const bin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/rampart.js');
  const built = existsSync(join(dirname(bin), '../dist/cli/main.js'));
  it.skipIf(!built)('the bin runs the built CLI and sets the exit code', () => {
    const spawn = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [bin, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
    const ok = spawn(['env', '--check'], { RAMPART_TIMEOUT_AFTER: '2s' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('rampart configuration is valid');
    const bad = spawn(['env', '--check'], { RAMPART_TIMEOUT_AFTER: 'soon' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('RAMPART_TIMEOUT_AFTER="soon"');
  });
});
