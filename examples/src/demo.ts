/**
 * `pnpm demo`: an identity-audit service whose dependencies fail on a script, protected by
 * rampart, with a live view, Prometheus metrics and a JSON status. `--help` for the flags.
 *
 * Exit codes: 0 after a clean stop (Ctrl-C, SIGTERM, --duration), 2 for bad flags or
 * configuration, 1 when the demo cannot start.
 */
import { ConfigError } from '@rampart/config';
import { Demo } from './app.js';
import { HELP, parseCommandLine, UsageError } from './cli.js';

/** After a stop, the process should end by itself: if something still holds it, say what. */
const EXIT_GRACE_MS = 3_000;

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\nRun with --help to see the options.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { options } = parsed;

  let demo: Demo;
  try {
    demo = await Demo.start(options, { out: process.stdout, err: process.stderr, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`demo: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`demo: could not start: ${describeStartError(error)}\n`);
      process.exitCode = 1;
    }
    return;
  }

  let durationTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) {
      // A second Ctrl-C while stopping: the user wants out now.
      process.stderr.write(`demo: ${why} again; exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    clearTimeout(durationTimer);
    demo.stop(why).then(
      () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        process.off('SIGHUP', onHup);
        process.exitCode = 0;
        // Everything is closed: the event loop should be empty now. If it is not, report
        // what is still open (a leak worth knowing about) instead of hanging.
        setTimeout(() => {
          const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'Timeout');
          process.stderr.write(
            `demo: still running ${EXIT_GRACE_MS} ms after stopping (open: ${open.join(', ') || 'unknown'}); exiting\n`,
          );
          process.exit(0);
        }, EXIT_GRACE_MS).unref();
      },
      (error: unknown) => {
        process.stderr.write(`demo: stopping failed: ${(error as Error)?.stack ?? error}\n`);
        process.exit(1);
      },
    );
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  // A closed terminal: stop in order (a local Prometheus included) rather than die mid-way.
  const onHup = () => stop('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  // Whoever read our output went away (`pnpm demo | head`, a closed window): stop too.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
      if (!stopping) stop(`output closed (${error.code})`);
    });
  }
  if (options.duration !== undefined) {
    durationTimer = setTimeout(() => stop(`${options.duration! / 1_000} s elapsed`), options.duration);
  }
}

/** The message of a start-up failure, with its cause; the stack only for unexpected errors. */
function describeStartError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  // Errors that explain themselves (a port in use, a Prometheus that would not start) need no stack.
  const known = /^(audit service|startPrometheus|prometheus)\b/.test(error.message);
  return known ? `${error.message}${cause}` : (error.stack ?? error.message);
}

await main();
