/**
 * `rampart env`: every setting with its default, current value and source; `--check`
 * validates the environment; `--example` writes a commented `.env.example`. Everything the
 * process touches comes in through `io`, so tests run it in-process.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatIssue } from '../errors.js';
import { type ConfigInspection, inspectConfig } from '../load.js';
import { PROFILES, type Profile } from '../profiles.js';
import { renderEnvExample } from '../reference.js';
import type { SettingReport } from '../types.js';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Where a relative `--example` path is written. */
  readonly cwd: string;
}

export const USAGE = `Usage: rampart env [options]

Prints every rampart setting: variable, default, current value and where the value
comes from (default, profile, env, file).

Options:
  --pipelines a,b     the pipelines whose RAMPART_<PIPELINE>_* variables to include
  --check             validate the environment; exit 1 listing every problem
  --example [path]    write a commented .env.example (to stdout without a path)
  --file path         read this env file on top of the environment (default: RAMPART_CONFIG_FILE)
  --profile name      the profile when RAMPART_PROFILE is not set (${PROFILES.join(', ')})
  --json              print the settings as JSON
  -h, --help          show this help

Also: rampart status|reset|isolate — a running service's admin endpoints
(rampart status --help).
`;

interface Args {
  pipelines: string[];
  check: boolean;
  example: string | boolean;
  file: string | undefined;
  profile: Profile | undefined;
  json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' {
  const args: Args = {
    pipelines: [],
    check: false,
    example: false,
    file: undefined,
    profile: undefined,
    json: false,
  };
  const rest = [...argv];
  const command = rest.shift();
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command !== 'env') throw new UsageError(`unknown command "${command}"`);
  const value = (flag: string): string => {
    const next = rest.shift();
    if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  while (rest.length > 0) {
    const arg = rest.shift()!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--pipelines':
        args.pipelines = (inline ?? value(flag))
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        break;
      case '--check':
        args.check = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--example':
        args.example = inline ?? (rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift()! : true);
        break;
      case '--file':
        args.file = inline ?? value(flag);
        break;
      case '--profile': {
        const profile = inline ?? value(flag);
        if (!PROFILES.includes(profile as Profile)) {
          throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}, got "${profile}"`);
        }
        args.profile = profile as Profile;
        break;
      }
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  return args;
}

/** Runs the command; returns the exit code (0 ok, 1 invalid configuration, 2 usage error). */
export function main(argv: readonly string[], io: CliIo): number {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`rampart: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }

  if (args.example !== false) {
    const text = renderEnvExample(args.pipelines);
    if (args.example === true) io.stdout.write(text);
    else {
      const path = resolve(io.cwd, args.example);
      writeFileSync(path, text);
      io.stdout.write(`wrote ${path}\n`);
    }
    return 0;
  }

  let inspection: ConfigInspection;
  try {
    inspection = inspectConfig({
      pipelines: args.pipelines,
      env: io.env,
      ...(args.file === undefined ? {} : { file: args.file }),
      ...(args.profile === undefined ? {} : { profile: args.profile }),
    });
  } catch (error) {
    // Bad pipeline names and the like: a usage problem, not a configuration one.
    io.stderr.write(`rampart: ${(error as Error).message}\n`);
    return 2;
  }

  if (args.json) {
    io.stdout.write(
      `${JSON.stringify({ settings: inspection.settings, issues: inspection.issues, warnings: inspection.warnings }, null, 2)}\n`,
    );
    return inspection.issues.length > 0 ? 1 : 0;
  }
  if (!args.check) io.stdout.write(renderTable(inspection.settings));
  return report(inspection, args, io);
}

function report(inspection: ConfigInspection, args: Args, io: CliIo): number {
  const { issues, warnings } = inspection;
  for (const warning of warnings)
    io.stderr.write(`warning: ${warning.variable}=${JSON.stringify(warning.value)}: ${warning.message}\n`);
  if (issues.length > 0) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    io.stderr.write(
      `rampart configuration is invalid (${count}):\n${issues.map((i) => `  - ${formatIssue(i)}\n`).join('')}`,
    );
    return 1;
  }
  if (args.check) {
    const set = inspection.settings.filter((s) => s.source === 'env' || s.source === 'file').length;
    const profile = inspection.config?.profile;
    io.stdout.write(
      `rampart configuration is valid: ${set} variable${set === 1 ? '' : 's'} set${profile ? `, profile ${profile}` : ''}${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}\n`,
    );
  }
  return 0;
}

/** Where a value came from, in words: `env`, `env (RAMPART_RETRY_MAX_ATTEMPTS)`, `default (= RAMPART_RATE_LIMIT_RATE)`. */
function sourceText(row: SettingReport): string {
  if (row.from === undefined) return row.source;
  return row.source === 'default' || row.source === 'profile'
    ? `${row.source} (= ${row.from})`
    : `${row.source} (${row.from})`;
}

/** The settings as an aligned table. */
export function renderTable(rows: readonly SettingReport[]): string {
  const header = ['VARIABLE', 'DEFAULT', 'VALUE', 'SOURCE'];
  const cells = rows.map((row) => [
    row.variable,
    row.defaultText || '-',
    row.valid ? row.valueText || '-' : `${row.valueText} (invalid)`,
    sourceText(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((text, i) => (i === c.length - 1 ? text : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}
