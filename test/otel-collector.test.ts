/**
 * Validates the collector stack in otel-collector/ as far as this machine can: no Docker
 * daemon, no collector or Grafana binary here. What is checked: every YAML parses,
 * `promtool check config` accepts the Prometheus config (and finds the generated rules),
 * the compose services are the four the stack needs with pinned images, every mount and
 * build file exists, and the scrape targets, provisioning paths and collector pipeline
 * agree with each other and with the generated dashboards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardModels, RULES_FILE } from '@rampart/dashboards';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STACK = join(ROOT, 'otel-collector');
const read = (path: string) => readFileSync(join(STACK, path), 'utf8');
const yaml = (path: string) => parse(read(path)) as Record<string, unknown>;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = yaml('docker-compose.yml') as { services: Record<string, ComposeService> };
const services = compose.services;

/** A bind mount `host:container[:ro]`, the host side resolved against the compose folder. */
function mounts(service: ComposeService) {
  return (service.volumes ?? []).map((volume) => {
    const [host = '', container = ''] = volume.split(':');
    return { host: resolve(STACK, host), container };
  });
}

/** Where a container path comes from on the host, through the service's mounts. */
function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const mount of mounts(service)) {
    if (containerPath === mount.container) return mount.host;
    if (containerPath.startsWith(`${mount.container}/`)) {
      return join(mount.host, containerPath.slice(mount.container.length + 1));
    }
  }
  return undefined;
}

const published = (service: ComposeService) =>
  (service.ports ?? []).map((p) => Number(String(p).split(':').at(-1)?.split('/')[0]));

describe('otel-collector/docker-compose.yml', () => {
  it('starts the demo, the collector, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['collector', 'demo', 'grafana', 'prometheus']);
  });

  it('pins every image to an exact version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build !== undefined) continue;
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('mounts only files and folders that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mounts(service)) {
        expect(existsSync(mount.host), `${name} mounts ${mount.host}, which does not exist`).toBe(true);
      }
    }
  });

  it('builds the demo from the repository with a Dockerfile that runs the demo', () => {
    const build = services.demo?.build;
    expect(build).toBeDefined();
    const context = resolve(STACK, build?.context ?? '');
    expect(context).toBe(resolve(ROOT));
    const dockerfile = join(context, build?.dockerfile ?? '');
    expect(existsSync(dockerfile)).toBe(true);
    const text = readFileSync(dockerfile, 'utf8');
    expect(text).toMatch(/^FROM node:\d+\.\d+\.\d+/m);
    expect(text).toContain('examples/dist/demo.js');
    expect(published(services.demo ?? {})).toContain(9464);
  });
});

describe('otel-collector/prometheus.yml', () => {
  const config = yaml('prometheus.yml') as {
    rule_files: string[];
    scrape_configs: { job_name: string; honor_labels?: boolean; static_configs: { targets: string[] }[] }[];
  };

  it('passes promtool check config, rules included', () => {
    const check = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], {
      cwd: STACK,
      encoding: 'utf8',
    });
    if (check.error !== undefined) {
      throw new Error(`promtool is not installed (apt-get install prometheus): ${check.error.message}`);
    }
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 1 rule files found');
  });

  it('loads the generated rules, at the same relative path on the host and in the container', () => {
    expect(config.rule_files).toHaveLength(1);
    const rules = config.rule_files[0] ?? '';
    expect(resolve(STACK, rules)).toBe(join(ROOT, 'dashboards', 'generated', RULES_FILE));
    const prometheus = services.prometheus ?? {};
    const configFlag = (prometheus.command ?? []).find((c) => c.startsWith('--config.file='));
    const containerConfig = configFlag?.slice('--config.file='.length) ?? '';
    expect(hostPathOf(prometheus, containerConfig)).toBe(join(STACK, 'prometheus.yml'));
    const containerRules = posix.join(posix.dirname(containerConfig), rules);
    expect(hostPathOf(prometheus, containerRules)).toBe(join(ROOT, 'dashboards', 'generated', RULES_FILE));
  });

  it('scrapes the demo directly and the collector with its labels kept', () => {
    const jobs = new Map(config.scrape_configs.map((s) => [s.job_name, s]));
    const demo = jobs.get('rampart-demo');
    expect(demo?.static_configs[0]?.targets).toEqual(['demo:9464']);
    // The direct path's job is the service: the same name the demo reports as service.name.
    expect(services.demo?.environment?.OTEL_SERVICE_NAME).toBe('rampart-demo');
    const collector = jobs.get('otel-collector');
    expect(collector?.honor_labels).toBe(true);
    const [host, port] = (collector?.static_configs[0]?.targets[0] ?? '').split(':');
    expect(host).toBe('collector');
    expect(published(services.collector ?? {})).toContain(Number(port));
  });
});

describe('otel-collector/collector.yaml', () => {
  const config = yaml('collector.yaml') as {
    receivers: { otlp: { protocols: Record<string, { endpoint: string }> } };
    exporters: Record<string, { endpoint?: string }>;
    service: { pipelines: { metrics: { receivers: string[]; processors: string[]; exporters: string[] } } };
  };

  it('takes OTLP over gRPC and HTTP, limits memory before batching, and exports to Prometheus', () => {
    expect(Object.keys(config.receivers.otlp.protocols).sort()).toEqual(['grpc', 'http']);
    const metrics = config.service.pipelines.metrics;
    expect(metrics.receivers).toEqual(['otlp']);
    expect(metrics.processors).toEqual(['memory_limiter', 'batch']);
    expect(metrics.exporters).toEqual(['prometheus']);
    const port = Number(config.exporters.prometheus?.endpoint?.split(':').at(-1));
    const scraped = (
      yaml('prometheus.yml') as { scrape_configs: { static_configs: { targets: string[] }[] }[] }
    ).scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    expect(scraped).toContain(`collector:${port}`);
    expect(published(services.collector ?? {})).toEqual(expect.arrayContaining([4317, 4318, port]));
  });

  it('carries a commented remote-write variant that is valid once uncommented', () => {
    const text = read('collector.yaml');
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.startsWith('  # prometheusremotewrite:'));
    expect(start, 'no commented prometheusremotewrite exporter').toBeGreaterThan(0);
    const block: string[] = [];
    for (const line of lines.slice(start)) {
      if (!line.startsWith('  # ')) break;
      block.push(line.replace(/^ {2}# /, '  '));
    }
    const uncommented = block.join('\n');
    const variant = parse(`exporters:\n${uncommented}`) as {
      exporters: Record<string, { endpoint: string }>;
    };
    expect(variant.exporters.prometheusremotewrite?.endpoint).toBe('http://prometheus:9090/api/v1/write');
    expect(services.prometheus?.command).toContain('--web.enable-remote-write-receiver');
  });
});

describe('otel-collector/grafana provisioning', () => {
  const grafana = services.grafana ?? {};

  it('provisions the Prometheus of the stack as the default data source', () => {
    const provisioning = hostPathOf(grafana, '/etc/grafana/provisioning');
    expect(provisioning).toBe(join(STACK, 'grafana', 'provisioning'));
    const ds = yaml('grafana/provisioning/datasources/prometheus.yml') as {
      datasources: { type: string; url: string; isDefault: boolean }[];
    };
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]?.type).toBe('prometheus');
    expect(ds.datasources[0]?.isDefault).toBe(true);
    const url = new URL(ds.datasources[0]?.url ?? '');
    expect(url.hostname).toBe('prometheus');
    expect(published(services.prometheus ?? {})).toContain(Number(url.port));
  });

  it('points the dashboard provider at the generated dashboards', () => {
    const provider = (
      yaml('grafana/provisioning/dashboards/rampart.yml') as { providers: { options: { path: string } }[] }
    ).providers[0];
    const folder = hostPathOf(grafana, provider?.options.path ?? '');
    expect(folder).toBe(join(ROOT, 'dashboards', 'generated', 'grafana'));
    const files = readdirSync(folder ?? '').sort();
    expect(files).toEqual(
      dashboardModels()
        .map((d) => d.path.replace('grafana/', ''))
        .sort(),
    );
    for (const file of files) {
      const model = JSON.parse(readFileSync(join(folder ?? '', file), 'utf8')) as {
        uid: string;
        panels: unknown[];
      };
      expect(model.uid).toMatch(/^rampart-/);
      expect(model.panels.length).toBeGreaterThan(0);
    }
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(existsSync(hostPathOf(grafana, home) ?? '')).toBe(true);
    expect(dirname(home)).toBe(provider?.options.path);
  });
});
