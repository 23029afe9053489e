/**
 * The `rampart` command's entry point (bin/rampart.js loads the compiled file). The work is
 * in `run.ts` (`rampart env`) and `admin.ts` (`rampart status|reset|isolate`), which take
 * their arguments, environment and output streams as parameters.
 */
import { ADMIN_COMMANDS, type AdminCommand, runAdmin } from './admin.js';
import { main } from './run.js';

const argv = process.argv.slice(2);
const io = { env: process.env, stdout: process.stdout, stderr: process.stderr };
if (ADMIN_COMMANDS.includes(argv[0] as AdminCommand)) {
  process.exitCode = await runAdmin(argv, { ...io, fetch: globalThis.fetch });
} else {
  process.exitCode = main(argv, { ...io, cwd: process.cwd() });
}
