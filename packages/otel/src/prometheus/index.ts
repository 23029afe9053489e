/**
 * @rampart/otel/prometheus: from nothing to a scrapeable `/metrics` endpoint in one call.
 * Builds an OpenTelemetry MeterProvider with the Prometheus exporter, the service's
 * resource, histogram views with rampart's buckets, and instruments a registry.
 *
 * The SDK packages (`@opentelemetry/sdk-metrics`, `@opentelemetry/resources`,
 * `@opentelemetry/exporter-prometheus`) are peer dependencies of this entry only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Attributes, metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  type MetricProducer,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { defaultRegistry, type Registry } from '@rampart/core';
import { DURATION_BUCKETS_SECONDS, METRICS } from '../constants.js';
import { describe, type Instrumentation, type InstrumentOptions, instrument } from '../instrument.js';
import { type Env, resourceAttributes } from './resource.js';

export { type Env, parseResourceAttributes, type ResourceInput, resourceAttributes } from './resource.js';

/** Default port of the OpenTelemetry Prometheus exporter (OTEL_EXPORTER_PROMETHEUS_PORT). */
export const DEFAULT_PROMETHEUS_PORT = 9464;
/** Default path of the metrics endpoint. */
export const DEFAULT_PROMETHEUS_ENDPOINT = '/metrics';

/** Options shared by `startPrometheus` and `prometheusHandler`. */
export interface PrometheusMetricsOptions {
  /** The registry to instrument. @defaultValue the default registry */
  readonly registry?: Registry;
  /** `service.name`. @defaultValue OTEL_SERVICE_NAME, else `service.name` in OTEL_RESOURCE_ATTRIBUTES, else the SDK's `unknown_service:node` */
  readonly serviceName?: string;
  /** More resource attributes (they win over OTEL_RESOURCE_ATTRIBUTES). @defaultValue none */
  readonly resource?: Attributes;
  /** Attributes on every rampart series (see `instrument`). @defaultValue none */
  readonly attributes?: Attributes;
  /** Span events on the active span (see `instrument`). @defaultValue false */
  readonly tracing?: boolean;
  /** Distinct `error.type` values per instrument and pipeline. @defaultValue 50 */
  readonly errorTypeLimit?: number;
  /** Where instrumentation failures are reported (see `instrument`). */
  readonly onError?: InstrumentOptions['onError'];
  /**
   * Also register the MeterProvider as the global one, so that the service's own metrics
   * appear on the same endpoint. @defaultValue false
   */
  readonly global?: boolean;
  /** Environment to read `OTEL_*` from. @defaultValue process.env */
  readonly env?: Env;
  /**
   * Where the duration histograms are aggregated (see `instrument`). `'producer'`: by
   * rampart, handed to the exporter as a MetricProducer — the same exposition, without the
   * SDK's attribute hashing on every call. `'sdk'`: SDK histograms.
   * @defaultValue 'producer'
   */
  readonly histograms?: 'sdk' | 'producer';
}

export interface StartPrometheusOptions extends PrometheusMetricsOptions {
  /** Port to listen on; 0 picks a free one. @defaultValue OTEL_EXPORTER_PROMETHEUS_PORT, else 9464 */
  readonly port?: number;
  /** Interface to listen on. @defaultValue OTEL_EXPORTER_PROMETHEUS_HOST, else every interface */
  readonly host?: string;
  /** Path of the metrics endpoint. @defaultValue '/metrics' */
  readonly endpoint?: string;
}

/** What `prometheusHandler` returns: the handler to mount, and what it is made of. */
export interface PrometheusMetrics {
  /** Answers a request with the current metrics (Prometheus text format). */
  readonly handler: (request: IncomingMessage, response: ServerResponse) => void;
  readonly meterProvider: MeterProvider;
  readonly exporter: PrometheusExporter;
  readonly instrumentation: Instrumentation;
  /** Detaches from the registry and shuts the MeterProvider down. Idempotent. */
  shutdown(): Promise<void>;
}

/** What `startPrometheus` returns. */
export interface PrometheusEndpoint extends Omit<PrometheusMetrics, 'handler'> {
  /** Where Prometheus scrapes, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly server: Server;
  /** Stops the server, detaches from the registry, shuts the MeterProvider down. Idempotent. */
  shutdown(): Promise<void>;
}

const SHARED_KEYS = [
  'registry',
  'serviceName',
  'resource',
  'attributes',
  'tracing',
  'errorTypeLimit',
  'onError',
  'global',
  'env',
  'histograms',
] as const;
const START_KEYS = [...SHARED_KEYS, 'port', 'host', 'endpoint'] as const;

/**
 * Views that give every rampart histogram the duration buckets (1 ms to 60 s). The
 * instruments carry the same buckets as advice; the views make them hold even for an SDK
 * that ignores advice.
 */
export function rampartViews(): ViewOptions[] {
  return METRICS.filter((m) => m.kind === 'histogram').map((m) => ({
    instrumentName: m.name,
    aggregation: {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: [...DURATION_BUCKETS_SECONDS] },
    },
  }));
}

/**
 * A Prometheus `/metrics` request handler for a server you already run, e.g.
 *
 * @example
 * const metrics = prometheusHandler({ serviceName: 'checkout' });
 * createServer((req, res) => (req.url === '/metrics' ? metrics.handler(req, res) : app(req, res)));
 */
export function prometheusHandler(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  checkKeys('prometheusHandler', options, SHARED_KEYS);
  return build('prometheusHandler', options);
}

/**
 * Starts an HTTP server with the metrics of `registry` at `endpoint`, ready to scrape.
 *
 * @example
 * const prom = await startPrometheus({ serviceName: 'checkout' });  // http://<host>:9464/metrics
 * process.on('SIGTERM', () => prom.shutdown());
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusEndpoint> {
  checkKeys('startPrometheus', options, START_KEYS);
  const env = options.env ?? process.env;
  const port = options.port ?? envPort(env) ?? DEFAULT_PROMETHEUS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`startPrometheus: port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  const envHost = env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim();
  const host = options.host ?? (envHost === '' ? undefined : envHost);
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new TypeError(`startPrometheus: host must be a non-empty string, got ${JSON.stringify(host)}`);
  }
  const endpoint = options.endpoint ?? DEFAULT_PROMETHEUS_ENDPOINT;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/') || /[?#\s]/.test(endpoint)) {
    throw new TypeError(
      `startPrometheus: endpoint must be a path starting with "/" (no query or spaces), got ${JSON.stringify(endpoint)}`,
    );
  }

  const metricsParts = build('startPrometheus', options);
  const server = createServer((request, response) => {
    const path = pathOf(request);
    if (path !== endpoint) {
      response.statusCode = 404;
      response.end('not found; metrics are at ' + endpoint + '\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.statusCode = 405;
      response.setHeader('allow', 'GET, HEAD');
      response.end();
      return;
    }
    metricsParts.handler(request, response);
  });
  // Metrics never keep a process alive that would otherwise exit.
  server.unref();
  try {
    await listen(server, port, host);
  } catch (error) {
    await metricsParts.shutdown();
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host ?? '*'}:${port}`;
    const hint =
      code === 'EADDRINUSE'
        ? `port ${port} is in use; pass another port or set OTEL_EXPORTER_PROMETHEUS_PORT`
        : `cannot listen on ${where}`;
    throw new Error(`startPrometheus: ${hint}`, { cause: error });
  }
  const address = server.address() as AddressInfo;
  const urlHost = host === undefined ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${address.port}${endpoint}`;

  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopped ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await metricsParts.shutdown();
    })();
    return stopped;
  };
  return {
    url,
    server,
    meterProvider: metricsParts.meterProvider,
    exporter: metricsParts.exporter,
    instrumentation: metricsParts.instrumentation,
    shutdown,
  };
}

function build(where: string, options: PrometheusMetricsOptions): PrometheusMetrics {
  const env = options.env ?? process.env;
  if (
    options.serviceName !== undefined &&
    (typeof options.serviceName !== 'string' || options.serviceName === '')
  ) {
    throw new TypeError(
      `${where}: serviceName must be a non-empty string, got ${JSON.stringify(options.serviceName)}`,
    );
  }
  if (options.resource !== undefined && (typeof options.resource !== 'object' || options.resource === null)) {
    throw new TypeError(`${where}: resource must be an object of attributes`);
  }
  if (options.global !== undefined && typeof options.global !== 'boolean') {
    throw new TypeError(`${where}: global must be a boolean, got ${JSON.stringify(options.global)}`);
  }
  const resource = defaultResource().merge(
    resourceFromAttributes(
      resourceAttributes({ env, serviceName: options.serviceName, resource: options.resource }),
    ),
  );
  const histograms = options.histograms ?? 'producer';
  if (histograms !== 'sdk' && histograms !== 'producer') {
    throw new TypeError(`${where}: histograms must be 'sdk' or 'producer', got ${describe(histograms)}`);
  }
  // The reader takes its producers at construction, before instrument() can run (it needs
  // the provider, which needs the reader): this one forwards to the instrumentation's.
  let instrumentation: Instrumentation | undefined;
  const histogramProducer: MetricProducer = {
    collect: (collectOptions) => {
      const producer = instrumentation?.metricProducer;
      return producer === undefined
        ? Promise.resolve({ resourceMetrics: { resource, scopeMetrics: [] }, errors: [] })
        : producer.collect(collectOptions);
    },
  };
  // Our own server (or the caller's) serves the endpoint: the exporter only serializes.
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    ...(histograms === 'producer' ? { metricProducers: [histogramProducer] } : {}),
  });
  const meterProvider = new MeterProvider({ resource, readers: [exporter], views: rampartViews() });
  try {
    instrumentation = instrument(options.registry ?? defaultRegistry, {
      meterProvider,
      histograms,
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
      ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
      ...(options.errorTypeLimit === undefined ? {} : { errorTypeLimit: options.errorTypeLimit }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  } catch (error) {
    void meterProvider.shutdown();
    throw error;
  }
  if (options.global === true) metrics.setGlobalMeterProvider(meterProvider);

  const attached = instrumentation;
  let stopped: Promise<void> | undefined;
  return {
    handler: (request, response) => exporter.getMetricsRequestHandler(request, response),
    meterProvider,
    exporter,
    instrumentation: attached,
    shutdown: () => {
      stopped ??= (async () => {
        attached.dispose();
        await meterProvider.shutdown();
      })();
      return stopped;
    },
  };
}

function envPort(env: Env): number | undefined {
  const raw = env.OTEL_EXPORTER_PROMETHEUS_PORT?.trim();
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new TypeError(
      `OTEL_EXPORTER_PROMETHEUS_PORT must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`,
    );
  }
  return port;
}

function checkKeys(where: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}"; allowed: ${known.join(', ')}`);
    }
  }
}

function pathOf(request: IncomingMessage): string | undefined {
  const url = request.url ?? '/';
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
