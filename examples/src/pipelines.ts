import { AsyncLocalStorage } from 'node:async_hooks';
import { pipelineFromConfig, type RampartConfig } from '@rampart/config';
import { isTransient, type Pipeline, type Registry, resilientFetch } from '@rampart/core';
import type { DirectoryRecord, HrRecord, SsoRecord, SystemName } from './dependencies/records.js';
import type { AuditSources } from './service/audit.js';

/**
 * The demo's own defaults for rampart's variables, scaled to its fault script (a 0.6–2.5 s
 * latency spike must hit the timeout; a 20 s outage must open a circuit within seconds and
 * let it close soon after recovery). They are read through `@rampart/config` exactly as if
 * they were set in the environment, and any variable you set wins over them:
 * `RAMPART_BREAKER_OPEN_FOR=10s pnpm demo`. All are global (not per pipeline) so that your
 * global variables can override them too.
 */
export const DEMO_TUNING: Readonly<Record<string, string>> = {
  RAMPART_TIMEOUT_AFTER: '800ms',
  RAMPART_RETRY_MAX_ATTEMPTS: '3',
  RAMPART_RETRY_BACKOFF_INITIAL: '100ms',
  RAMPART_RETRY_BACKOFF_MAX: '1s',
  RAMPART_RETRY_MAX_DELAY: '2s',
  RAMPART_BREAKER_KIND: 'sampling',
  RAMPART_BREAKER_WINDOW: '5s',
  RAMPART_BREAKER_MINIMUM_CALLS: '10',
  RAMPART_BREAKER_FAILURE_RATIO: '50%',
  RAMPART_BREAKER_OPEN_FOR: '5s',
  RAMPART_BULKHEAD_LIMIT: '16',
  RAMPART_BULKHEAD_QUEUE: '16',
  RAMPART_BULKHEAD_QUEUE_TIMEOUT: '250ms',
  RAMPART_RATE_LIMIT_RATE: '30',
  RAMPART_FALLBACK_LAST_GOOD_TTL: '5m',
  RAMPART_HEALTH_INTERVAL: '2s',
  RAMPART_HEALTH_TIMEOUT: '500ms',
};

/** The environment the demo reads its configuration from: its defaults, then yours on top. */
export function demoEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return { ...DEMO_TUNING, ...env };
}

export const PIPELINES = ['hr', 'directory', 'sso'] as const satisfies readonly SystemName[];

/** A directory record served from the service's cache while the directory is down. */
export type CachedDirectoryRecord = DirectoryRecord & { readonly stale: true; readonly cachedAt: string };

export interface DemoPipelines {
  readonly hr: Pipeline;
  readonly directory: Pipeline;
  readonly sso: Pipeline;
  /** How the audit reaches each system, through its pipeline. */
  readonly sources: AuditSources;
}

/**
 * One pipeline per dependency, built with `pipelineFromConfig`: code decides each
 * pipeline's shape, every number comes from the configuration (env-tunable, and re-tuned
 * live by `watchConfig`). Listed outermost first:
 *
 * - `hr`: circuit breaker → retry (budgeted) → timeout → bulkhead.
 * - `directory`: fallback to the last record seen for that user (marked stale) → the same.
 * - `sso`: circuit breaker → retry (budgeted) → rate limit (the provider's quota) → timeout.
 *
 * Retry and breaker act on transient failures only (`isTransient`: timeouts, dropped
 * connections, 408/429/5xx); a 404 is an answer ("not in this system"), not a failure.
 *
 * `config` is read again whenever a value is needed at call time, so a reloaded
 * configuration applies to the fallback's time-to-live too.
 */
export function buildPipelines(
  config: () => RampartConfig<(typeof PIPELINES)[number]>,
  registry: Registry,
  urls: Readonly<Record<SystemName, string>>,
): DemoPipelines {
  const transientOnly = { retry: { retryOn: isTransient }, breaker: { handles: isTransient } } as const;
  const common = { registry, budget: true } as const;

  const hr = pipelineFromConfig('hr', config(), {
    ...common,
    shape: ['breaker', 'retry', 'timeout', 'bulkhead'],
    with: transientOnly,
  });

  // While the directory is down, answer from the last record seen for that user (marked
  // stale). The fallback must know the user: the operation key cannot carry it (keys stay
  // low-cardinality, they may become metric labels), so it travels in the request's async
  // context instead.
  const replica = new Map<string, { record: DirectoryRecord; at: number }>();
  const directoryUser = new AsyncLocalStorage<string>();
  const directory = pipelineFromConfig<Response>('directory', config(), {
    ...common,
    shape: ['fallback', 'breaker', 'retry', 'timeout', 'bulkhead'],
    with: {
      ...transientOnly,
      fallback: {
        fn: (error) => {
          const user = directoryUser.getStore();
          const hit = user === undefined ? undefined : replica.get(user);
          const ttl = config().pipelines.directory.fallback.lastGood.ttl;
          // Nothing seen for this user yet (or too long ago): the failure stands.
          if (hit === undefined || Date.now() - hit.at > ttl) throw error;
          const stale: CachedDirectoryRecord = {
            ...hit.record,
            stale: true,
            cachedAt: new Date(hit.at).toISOString(),
          };
          return Response.json(stale);
        },
      },
    },
  });

  const sso = pipelineFromConfig('sso', config(), {
    ...common,
    shape: ['breaker', 'retry', 'rateLimit', 'timeout'],
    with: transientOnly,
  });

  const getHr = resilientFetch(hr, { notFoundAsNull: true });
  const getDirectory = resilientFetch(directory, { notFoundAsNull: true });
  const getSso = resilientFetch(sso, { notFoundAsNull: true });

  return {
    hr,
    directory,
    sso,
    sources: {
      hr: async (user, signal) => json<HrRecord>(await getHr(`${urls.hr}/users/${user}`, { signal })),
      directory: (user, signal) =>
        directoryUser.run(user, async () => {
          const record = await json<DirectoryRecord | CachedDirectoryRecord>(
            await getDirectory(`${urls.directory}/users/${user}`, { signal }),
          );
          if (record !== null && !('stale' in record)) replica.set(user, { record, at: Date.now() });
          return record;
        }),
      sso: async (user, signal) => json<SsoRecord>(await getSso(`${urls.sso}/users/${user}`, { signal })),
    },
  };
}

async function json<T>(response: Response | null): Promise<T | null> {
  return response === null ? null : ((await response.json()) as T);
}
