/**
 * The `rampart` command's entry point (bin/rampart.js loads the compiled file). The work is
 * in `run.ts`, which takes its arguments, environment and output streams as parameters.
 */
import { main } from './run.js';

process.exitCode = main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
