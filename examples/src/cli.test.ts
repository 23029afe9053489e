import { describe, expect, it } from 'vitest';
import { HELP, parseCommandLine, UsageError } from './cli.js';
import { DEFAULT_PHASES } from './faults/script.js';

const options = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parseCommandLine(argv, env);
  if (parsed.help) throw new Error('expected options, got --help');
  return parsed.options;
};

describe('parseCommandLine', () => {
  it('has defaults for a plain `pnpm demo`', () => {
    expect(options([])).toEqual({
      duration: undefined,
      quiet: false,
      traffic: true,
      prometheus: false,
      prometheusPort: 9090,
      host: '127.0.0.1',
      port: 8080,
      metricsPort: undefined,
      rate: 20,
      phases: DEFAULT_PHASES,
      seed: undefined,
      interval: 5_000,
      plain: false,
      auditTimeout: 5_000,
    });
  });

  it('reads every flag', () => {
    const o = options([
      '--duration',
      '90s',
      '--quiet',
      '--no-traffic',
      '--prometheus',
      '--prometheus-port',
      '0',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--rate',
      '7.5',
      '--phases',
      '2s',
      '--seed',
      '42',
      '--interval',
      '1',
      '--plain',
    ]);
    expect(o).toMatchObject({
      duration: 90_000,
      quiet: true,
      traffic: false,
      prometheus: true,
      prometheusPort: 0,
      host: '0.0.0.0',
      port: 0,
      metricsPort: 0,
      rate: 7.5,
      seed: 42,
      interval: 1_000,
      plain: true,
    });
    expect(o.phases.every((p) => p.duration === 2_000)).toBe(true);
  });

  it('takes PORT, HOST, OTEL_EXPORTER_PROMETHEUS_PORT and DEMO_* from the environment, flags first', () => {
    const env = {
      PORT: '3000',
      HOST: '::1',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9999',
      DEMO_RATE: '5',
      DEMO_PHASES: 'outage=1s',
      DEMO_SEED: '9',
    };
    expect(options([], env)).toMatchObject({ port: 3000, host: '::1', metricsPort: 9999, rate: 5, seed: 9 });
    expect(options([], env).phases.find((p) => p.phase === 'outage')?.duration).toBe(1_000);
    expect(options(['--port', '4000', '--rate', '1'], env)).toMatchObject({ port: 4000, rate: 1 });
  });

  it('answers --help and -h', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ help: true });
    expect(parseCommandLine(['-h', '--quiet'], {})).toEqual({ help: true });
    expect(HELP).toMatch(/--duration <s>/);
    for (const flag of ['--quiet', '--no-traffic', '--prometheus', '--phases', '--rate', '--port']) {
      expect(HELP).toContain(flag);
    }
  });

  it('explains bad input, naming the flag or variable', () => {
    const bad = (argv: string[], env: NodeJS.ProcessEnv, message: RegExp) => {
      const attempt = () => parseCommandLine(argv, env);
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(message);
    };
    bad(['--frobnicate'], {}, /frobnicate/);
    bad(['extra'], {}, /unexpected argument "extra"/);
    bad(['--port', 'http'], {}, /--port: "http" is not a port/);
    bad([], { PORT: '70000' }, /PORT: "70000" is not a port/);
    bad([], { OTEL_EXPORTER_PROMETHEUS_PORT: '-1' }, /OTEL_EXPORTER_PROMETHEUS_PORT/);
    bad(['--rate', '0'], {}, /--rate: "0" is not a request rate/);
    bad([], { DEMO_RATE: 'lots' }, /DEMO_RATE/);
    bad(['--duration', 'forever'], {}, /--duration: "forever" is not a duration/);
    bad([], { DEMO_PHASES: 'storm=1s' }, /unknown phase "storm"/);
    bad(['--seed', '1.5'], {}, /--seed: "1.5" is not a seed/);
    bad([], { DEMO_AUDIT_TIMEOUT: 'never' }, /DEMO_AUDIT_TIMEOUT: "never" is not a duration/);
  });
});
