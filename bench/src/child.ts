import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the module at `moduleUrl` in a fresh Node process with `args`, and parses what it
 * writes to stdout as JSON (its stderr goes to ours).
 */
export function runChild<T>(
  moduleUrl: string,
  args: readonly string[],
  { flags = [], maxBuffer = 1 << 20 }: { flags?: readonly string[]; maxBuffer?: number } = {},
): T {
  const output = execFileSync(process.execPath, [...flags, fileURLToPath(moduleUrl), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer,
  });
  return JSON.parse(output) as T;
}
