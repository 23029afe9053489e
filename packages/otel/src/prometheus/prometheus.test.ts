import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { Registry } from '@rampart/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  DURATION_BUCKETS_SECONDS,
  METRIC_BULKHEAD_LIMIT,
  METRIC_CALL_DURATION,
  METRICS,
  prometheusNames,
  promLabel,
  promNameRegex,
} from '../constants.js';
import { exerciseEveryInstrument } from '../testing-fixtures/events.js';
import { parseExposition } from '../testing-fixtures/exposition.js';
import { type PrometheusEndpoint, prometheusHandler, startPrometheus } from './index.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
const start = async (options: Parameters<typeof startPrometheus>[0]) => {
  const prom = await startPrometheus({ port: 0, host: '127.0.0.1', env: {}, ...options });
  cleanup.push(() => prom.shutdown());
  return prom;
};
const scrape = async (prom: Pick<PrometheusEndpoint, 'url'>) => {
  const response = await fetch(prom.url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
};

/** promtool, from Debian's `prometheus` package: fail loudly when it is missing. */
function promtool(args: string[], input: string) {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new Error(`promtool is required for this test (apt-get install prometheus): ${run.error.message}`);
  }
  return run;
}

describe('startPrometheus', () => {
  it('serves every instrument under its direct-path name, and promtool accepts the exposition', async () => {
    const registry = new Registry();
    const prom = await start({
      registry,
      serviceName: 'checkout',
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,service.namespace=shop' },
    });
    await exerciseEveryInstrument(registry, 'payments');
    const text = await scrape(prom);
    const expo = parseExposition(text);

    const types = { counter: 'counter', gauge: 'gauge', histogram: 'histogram' } as const;
    for (const m of METRICS) {
      const { direct } = prometheusNames(m);
      expect(expo.types.get(direct), `${m.name} as ${direct}`).toBe(types[m.kind]);
      expect(expo.help.get(direct)).toBe(m.description);
      const part = m.kind === 'histogram' ? 'bucket' : undefined;
      const re = new RegExp(`^(?:${promNameRegex(m, part)})$`);
      const series = expo.samples.filter((s) => re.test(s.name));
      expect(series.length, m.name).toBeGreaterThan(0);
      for (const s of series) {
        expect(s.labels[promLabel(ATTR_PIPELINE)]).toMatch(/^(payments|deps)$/);
        for (const attr of m.attributes) expect(promLabel(attr)).toMatch(/^[a-z_]+$/);
      }
    }
    // Rampart's buckets, 1 ms to a minute, then +Inf.
    const les = expo.samples
      .filter((s) => s.name === 'rampart_call_duration_bucket' && s.labels.rampart_outcome === 'success')
      .map((s) => s.labels.le);
    expect(les).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
    // The resource: service name, a generated instance id, OTEL_RESOURCE_ATTRIBUTES.
    const target = expo.samples.find((s) => s.name === 'target_info');
    expect(target?.labels).toMatchObject({
      service_name: 'checkout',
      service_namespace: 'shop',
      deployment_environment: 'test',
    });
    expect(target?.labels.service_instance_id).toMatch(/^[0-9a-f-]{36}$/);

    const check = promtool(['check', 'metrics'], text);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it("serves the same exposition with rampart's histogram producer (the default) as with SDK histograms", async () => {
    // Both endpoints instrument one registry, so they see the very same events and
    // durations: every line must match, values included. Only the per-provider random
    // service.instance.id differs, and the order of families (the producer's come last).
    const registry = new Registry();
    const viaProducer = await start({ registry, serviceName: 'checkout' });
    const viaSdk = await start({ registry, serviceName: 'checkout', histograms: 'sdk' });
    expect(viaProducer.instrumentation.metricProducer).toBeDefined();
    expect(viaSdk.instrumentation.metricProducer).toBeUndefined();
    const p = await exerciseEveryInstrument(registry, 'payments');
    for (let i = 0; i < 20; i++) await p.execute(() => i);
    const normalize = (text: string) => {
      // A family's lines stay together (HELP, UNIT, TYPE, then samples) in both: compare
      // the families as blocks, in name order.
      const blocks = text
        .replace(/service_instance_id="[^"]*"/g, 'service_instance_id="*"')
        .trim()
        .split(/\n(?=# HELP )/);
      return blocks.sort();
    };
    const [producerText, sdkText] = [await scrape(viaProducer), await scrape(viaSdk)];
    const { direct } = prometheusNames(METRIC_CALL_DURATION);
    expect(producerText).toContain(`\n# TYPE ${direct} histogram\n`);
    expect(producerText).toContain(`\n${direct}_bucket{`);
    expect(normalize(producerText)).toEqual(normalize(sdkText));
    const check = promtool(['check', 'metrics'], producerText);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('reads OTEL_EXPORTER_PROMETHEUS_PORT/HOST and OTEL_SERVICE_NAME', async () => {
    const registry = new Registry();
    const prom = await startPrometheus({
      registry,
      env: {
        OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: 'from-env',
      },
    });
    cleanup.push(() => prom.shutdown());
    expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const expo = parseExposition(await scrape(prom));
    expect(expo.samples.find((s) => s.name === 'target_info')?.labels.service_name).toBe('from-env');
  });

  it('refuses bad settings with the name of the variable or option', async () => {
    await expect(startPrometheus({ env: { OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety' } })).rejects.toThrow(
      /OTEL_EXPORTER_PROMETHEUS_PORT must be a port number from 0 to 65535, got "ninety"/,
    );
    await expect(startPrometheus({ port: 70_000, env: {} })).rejects.toThrow(
      /port must be an integer from 0 to 65535, got 70000/,
    );
    await expect(startPrometheus({ endpoint: 'metrics', env: {} })).rejects.toThrow(
      /endpoint must be a path starting with "\/"/,
    );
    await expect(startPrometheus({ env: { OTEL_RESOURCE_ATTRIBUTES: 'team' } })).rejects.toThrow(
      /OTEL_RESOURCE_ATTRIBUTES: "team" is not a key=value pair/,
    );
    await expect(startPrometheus({ prot: 1 } as never)).rejects.toThrow(
      /unknown option "prot"; allowed: registry, /,
    );
  });

  it('explains a port in use, and leaves nothing attached', async () => {
    const registry = new Registry();
    const first = await start({ registry });
    const port = Number(new URL(first.url).port);
    await expect(start({ registry: new Registry(), port })).rejects.toThrow(`port ${port} is in use`);
  });

  it('serves only its endpoint, for GET and HEAD', async () => {
    const prom = await start({ registry: new Registry(), endpoint: '/internal/metrics' });
    const base = new URL(prom.url);
    expect(base.pathname).toBe('/internal/metrics');
    expect((await fetch(new URL('/metrics', base))).status).toBe(404);
    expect((await fetch(prom.url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${prom.url}?x=1`, { method: 'HEAD' })).status).toBe(200);
  });

  it('global: true registers its MeterProvider as the global one', async () => {
    try {
      const prom = await start({ registry: new Registry(), global: true });
      expect(metrics.getMeterProvider()).toBe(prom.meterProvider);
      // The service's own instruments land on the same endpoint.
      metrics.getMeterProvider().getMeter('app').createCounter('app.orders').add(2);
      const expo = parseExposition(await scrape(prom));
      expect(expo.samples.find((s) => s.name === 'app_orders_total')?.value).toBe(2);
    } finally {
      metrics.disable();
    }
  });

  it('shutdown() stops the server and detaches from the registry', async () => {
    const registry = new Registry();
    const prom = await startPrometheus({ registry, port: 0, host: '127.0.0.1', env: {} });
    expect(registry.listening).toBe(true);
    await prom.shutdown();
    await prom.shutdown(); // idempotent
    expect(registry.listening).toBe(false);
    expect(prom.server.listening).toBe(false);
    await expect(fetch(prom.url)).rejects.toThrow();
  });
});

describe('prometheusHandler', () => {
  it('mounts /metrics on an existing server', async () => {
    const registry = new Registry();
    const metrics = prometheusHandler({ registry, serviceName: 'api', env: {} });
    cleanup.push(() => metrics.shutdown());
    const server: Server = createServer((req, res) => {
      if (req.url === '/metrics') return metrics.handler(req, res);
      res.end('app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const p = registry.pipeline('orders', []);
    await p.execute(() => 1);
    const text = await scrape({ url: `http://127.0.0.1:${port}/metrics` });
    const expo = parseExposition(text);
    const count = expo.samples.find(
      (s) =>
        s.name === `${prometheusNames(METRIC_CALL_DURATION).direct}_count` &&
        s.labels[promLabel(ATTR_PIPELINE)] === 'orders' &&
        s.labels[promLabel(ATTR_OUTCOME)] === 'success',
    );
    expect(count?.value).toBe(1);
    expect(expo.types.has(prometheusNames(METRIC_BULKHEAD_LIMIT).direct)).toBe(false);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('app');
  });
});
