/**
 * `rampart status|reset|isolate`: the client side of `adminHandler` (`@rampart/core/admin`).
 * Reads snapshots and resets or isolates circuits of a running service over HTTP.
 */

export interface AdminCliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly fetch: typeof fetch;
}

export const ADMIN_COMMANDS = ['status', 'reset', 'isolate'] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

export const ADMIN_USAGE = `Usage: rampart status [pipeline] [options]
       rampart reset <pipeline> [options]
       rampart isolate <pipeline> [options]

Talks to a service's admin endpoints (adminHandler from @rampart/core/admin).

Options:
  --url url          where the handler is mounted, e.g. http://127.0.0.1:9465/admin
                     (default: RAMPART_ADMIN_URL)
  --token token      bearer token for reset/isolate (default: RAMPART_ADMIN_TOKEN)
  --policy name      reset/isolate only this circuit breaker of the pipeline
  --json             print the server's JSON as it is
  -h, --help         show this help
`;

interface AdminArgs {
  command: AdminCommand;
  pipeline: string | undefined;
  url: string | undefined;
  token: string | undefined;
  policy: string | undefined;
  json: boolean;
}

class UsageError extends Error {}

function parse(argv: readonly string[], env: AdminCliIo['env']): AdminArgs | 'help' {
  const rest = [...argv];
  const command = rest.shift() as AdminCommand;
  const args: AdminArgs = {
    command,
    pipeline: undefined,
    url: env.RAMPART_ADMIN_URL,
    token: env.RAMPART_ADMIN_TOKEN,
    policy: undefined,
    json: false,
  };
  const value = (flag: string, inline: string | undefined): string => {
    const next = inline ?? rest.shift();
    if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  while (rest.length > 0) {
    const arg = rest.shift()!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--url':
        args.url = value(flag, inline);
        break;
      case '--token':
        args.token = value(flag, inline);
        break;
      case '--policy':
        args.policy = value(flag, inline);
        break;
      case '--json':
        args.json = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
        if (args.pipeline !== undefined) throw new UsageError(`unexpected argument "${arg}"`);
        args.pipeline = arg;
    }
  }
  if (args.url === undefined) throw new UsageError('--url (or RAMPART_ADMIN_URL) is required');
  if (!/^https?:\/\//.test(args.url))
    throw new UsageError(`--url must start with http:// or https://, got "${args.url}"`);
  if (command !== 'status' && args.pipeline === undefined)
    throw new UsageError(`${command} needs a pipeline name`);
  if (command !== 'status' && args.token === undefined) {
    throw new UsageError(`${command} needs --token (or RAMPART_ADMIN_TOKEN)`);
  }
  return args;
}

interface PolicyState {
  readonly kind: string;
  readonly name: string;
  readonly state: unknown;
}

/** One line per policy: the few fields an operator looks at first. */
function summarise(state: PolicyState): string {
  const s = (state.state ?? {}) as Record<string, unknown>;
  const pick = (...keys: string[]) =>
    keys
      .filter((k) => s[k] !== undefined && s[k] !== null)
      .map(
        (k) => `${k}=${typeof s[k] === 'number' ? Math.round((s[k] as number) * 1000) / 1000 : String(s[k])}`,
      )
      .join(' ');
  switch (state.kind) {
    case 'circuit_breaker':
      return pick('state', 'failureRatio', 'retryAfter');
    case 'bulkhead':
      return pick('active', 'queued', 'limit');
    case 'rate_limit':
      return pick('tokens', 'burst');
    default:
      return pick(...Object.keys(s).slice(0, 3));
  }
}

function renderStatus(body: unknown): string {
  const pipelines = (
    body !== null && typeof body === 'object' && 'pipelines' in body
      ? Object.values((body as { pipelines: Record<string, unknown> }).pipelines)
      : [body]
  ) as { name: string; enabled: boolean; policies: PolicyState[] }[];
  const lines: string[] = [];
  for (const p of pipelines) {
    lines.push(`${p.name}${p.enabled ? '' : ' (disabled: kill switch)'}`);
    for (const policy of p.policies) lines.push(`  ${policy.name.padEnd(18)} ${summarise(policy)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs an admin command; returns the exit code (0 ok, 1 the server refused or failed, 2 usage). */
export async function runAdmin(argv: readonly string[], io: AdminCliIo): Promise<number> {
  let args: AdminArgs | 'help';
  try {
    args = parse(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`rampart: ${error.message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(ADMIN_USAGE);
    return 0;
  }
  const base = args.url!.replace(/\/+$/, '');
  const path =
    args.command === 'status'
      ? `/status${args.pipeline === undefined ? '' : `/${encodeURIComponent(args.pipeline)}`}`
      : `/circuits/${encodeURIComponent(args.pipeline!)}/${args.command}${args.policy === undefined ? '' : `?policy=${encodeURIComponent(args.policy)}`}`;
  let response: Response;
  try {
    response = await io.fetch(`${base}${path}`, {
      method: args.command === 'status' ? 'GET' : 'POST',
      headers: args.token === undefined ? {} : { authorization: `Bearer ${args.token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    io.stderr.write(`rampart: cannot reach ${base}: ${(error as Error).message}\n`);
    return 1;
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    io.stderr.write(`rampart: ${base} answered ${response.status} with something that is not JSON\n`);
    return 1;
  }
  if (!response.ok) {
    const message = (body as { error?: unknown }).error ?? text;
    io.stderr.write(`rampart: ${response.status} ${String(message)}\n`);
    return 1;
  }
  if (args.json) io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else if (args.command === 'status') io.stdout.write(renderStatus(body));
  else {
    const result = body as { pipeline: string; action: string; circuits: PolicyState[] };
    for (const c of result.circuits)
      io.stdout.write(`${result.pipeline}/${c.name}: ${summarise({ ...c, kind: 'circuit_breaker' })}\n`);
  }
  return 0;
}
