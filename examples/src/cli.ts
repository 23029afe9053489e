import { parseArgs } from 'node:util';
import { DEFAULT_PHASES, type PhaseSpan, parseDuration, parsePhases } from './faults/script.js';

/** Everything the demo can be told from the command line and the environment. */
export interface DemoOptions {
  /** Stop after this long (ms); undefined runs until SIGINT/SIGTERM. */
  readonly duration: number | undefined;
  /** No live view and no periodic lines: only the start-up banner and the final summary. */
  readonly quiet: boolean;
  /** Drive traffic at the service (false: serve only, for your own curl). */
  readonly traffic: boolean;
  /** Also start a local `prometheus` (when the binary is on PATH) scraping the demo. */
  readonly prometheus: boolean;
  /** Port of the local Prometheus' web UI (0: any free port). */
  readonly prometheusPort: number;
  /** Address the service listens on. */
  readonly host: string;
  /** Port of the service (0: any free port). */
  readonly port: number;
  /** Port of the metrics endpoint (0: any free port); undefined: `startPrometheus`'s default. */
  readonly metricsPort: number | undefined;
  /** Audit requests per second from the load generator. */
  readonly rate: number;
  /** The fault script every dependency loops through. */
  readonly phases: readonly PhaseSpan[];
  /** Seed of the fault script's dice; undefined: a new seed each run (printed, to replay it). */
  readonly seed: number | undefined;
  /** How often plain (non-TTY) output prints a status line per pipeline (ms). */
  readonly interval: number;
  /** Force plain output even on a terminal. */
  readonly plain: boolean;
  /** Time one audit may take (ms): systems that have not answered by then count as failed. */
  readonly auditTimeout: number;
}

export type ParsedCommandLine =
  | { readonly help: true }
  | { readonly help: false; readonly options: DemoOptions };

/** A command line or environment variable the demo cannot use; the message says which and why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP = `rampart demo: an identity-audit service whose three dependencies fail on a script,
protected by rampart pipelines, with live view, Prometheus metrics and a JSON status.

usage: pnpm demo [-- options]        (or: node examples/dist/demo.js [options])

options
  --duration <s>         stop after this long (e.g. 90, 90s, 2m); default: until Ctrl-C
  --quiet                no live view or periodic lines; start-up banner and final summary only
  --no-traffic           do not start the load generator (call the service yourself)
  --prometheus           also start a local Prometheus (if the binary is on PATH) scraping the
                         demo with the generated alert rules; prints its URL, stops it on exit
  --prometheus-port <n>  port of that Prometheus (default 9090; 0 = any free port)
  --port <n>             service port (env PORT, default 8080; 0 = any free port)
  --host <addr>          service address (env HOST, default 127.0.0.1; 0.0.0.0 in containers)
  --metrics-port <n>     metrics port (env OTEL_EXPORTER_PROMETHEUS_PORT, default 9464)
  --rate <n>             audit requests per second (env DEMO_RATE, default 20)
  --phases <spec>        fault script phase lengths (env DEMO_PHASES): one duration for every
                         phase (3s), or healthy=20s,latency=15s,errors=15s,outage=20s,recovery=15s
  --seed <n>             seed of the fault script's dice (env DEMO_SEED), to replay a run
  --audit-timeout <s>    time one audit may take; systems still running then count as failed
                         (env DEMO_AUDIT_TIMEOUT, default 5s)
  --interval <s>         plain output: seconds between status lines (default 5)
  --plain                plain lines even on a terminal
  -h, --help             this text

endpoints
  GET /audit/<user>      asks HR, the directory and SSO (e.g. /audit/ada, /audit/ken, /audit/tim)
  GET /status            live snapshot of every pipeline (JSON)
  GET /health            health checks of the three dependencies (JSON; 200, or 503 when unhealthy)
  GET /metrics           on the metrics port: Prometheus exposition

Every policy threshold comes from @rampart/config: set RAMPART_* variables to tune it, e.g.
  RAMPART_HR_RETRY_MAX_ATTEMPTS=5 RAMPART_BREAKER_OPEN_FOR=10s pnpm demo
(run \`pnpm exec rampart env --pipelines hr,directory,sso\` after a build to list every variable).
With RAMPART_CONFIG_FILE=<file>, edit that file while the demo runs to re-tune the live policies.`;

/** Parses `argv` (without node and script) and `env` into options; throws `UsageError`. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help === true) return { help: true };
  if (parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }

  const portText = flags.port ?? env.PORT;
  const metricsText = flags['metrics-port'] ?? env.OTEL_EXPORTER_PROMETHEUS_PORT;
  const phasesText = flags.phases ?? env.DEMO_PHASES;
  const seedText = flags.seed ?? env.DEMO_SEED;
  const rateText = flags.rate ?? env.DEMO_RATE;
  const auditTimeoutText = flags['audit-timeout'] ?? env.DEMO_AUDIT_TIMEOUT;
  const options: DemoOptions = {
    duration:
      flags.duration === undefined ? undefined : usage(() => parseDuration(flags.duration!, '--duration')),
    quiet: flags.quiet === true,
    traffic: flags['no-traffic'] !== true,
    prometheus: flags.prometheus === true,
    prometheusPort:
      flags['prometheus-port'] === undefined ? 9090 : port(flags['prometheus-port'], '--prometheus-port'),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port: portText === undefined ? 8080 : port(portText, flags.port === undefined ? 'PORT' : '--port'),
    metricsPort:
      metricsText === undefined
        ? undefined
        : port(
            metricsText,
            flags['metrics-port'] === undefined ? 'OTEL_EXPORTER_PROMETHEUS_PORT' : '--metrics-port',
          ),
    rate: rateText === undefined ? 20 : rate(rateText, flags.rate === undefined ? 'DEMO_RATE' : '--rate'),
    phases: phasesText === undefined ? DEFAULT_PHASES : usage(() => parsePhases(phasesText)),
    seed:
      seedText === undefined ? undefined : seed(seedText, flags.seed === undefined ? 'DEMO_SEED' : '--seed'),
    interval:
      flags.interval === undefined ? 5_000 : usage(() => parseDuration(flags.interval!, '--interval')),
    plain: flags.plain === true,
    auditTimeout:
      auditTimeoutText === undefined
        ? 5_000
        : usage(() =>
            parseDuration(
              auditTimeoutText,
              flags['audit-timeout'] === undefined ? 'DEMO_AUDIT_TIMEOUT' : '--audit-timeout',
            ),
          ),
  };
  return { help: false, options };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      quiet: { type: 'boolean' },
      'no-traffic': { type: 'boolean' },
      prometheus: { type: 'boolean' },
      'prometheus-port': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'metrics-port': { type: 'string' },
      rate: { type: 'string' },
      phases: { type: 'string' },
      seed: { type: 'string' },
      interval: { type: 'string' },
      plain: { type: 'boolean' },
      'audit-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function port(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value > 65_535) {
    throw new UsageError(`${what}: "${text}" is not a port; use 0 (any free port) to 65535`);
  }
  return value;
}

function rate(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 10_000) {
    throw new UsageError(
      `${what}: "${text}" is not a request rate; use a number of requests per second, 0 < rate <= 10000`,
    );
  }
  return value;
}

function seed(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value > 0xffff_ffff) {
    throw new UsageError(`${what}: "${text}" is not a seed; use a whole number from 0 to 4294967295`);
  }
  return value;
}
