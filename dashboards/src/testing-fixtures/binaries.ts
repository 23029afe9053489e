import { spawnSync } from 'node:child_process';

/**
 * The path of a binary the tests need (`promtool`, `prometheus`), or an error that says
 * how to get it. Tests fail rather than skip without it: CI installs it (`.ci/run`), and a
 * silently skipped rules test would prove nothing.
 */
export function requireBinary(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      `${name} is not installed. Install Debian's "prometheus" package (apt-get install prometheus), ` +
        'which provides prometheus and promtool; scripts/install-and-test.sh does it for CI.',
    );
  }
  return path;
}

export interface RunResult {
  readonly status: number;
  readonly output: string;
}

/** Runs `promtool` with `args` in `cwd`, returning its exit status and combined output. */
export function promtool(args: readonly string[], cwd: string): RunResult {
  const result = spawnSync(requireBinary('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}
