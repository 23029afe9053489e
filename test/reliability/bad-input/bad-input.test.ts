/**
 * Bad input: every factory (and every configure(), and every variable `loadConfig` reads)
 * rejects nonsense at once (negative, NaN, Infinity where it is not allowed, wrong types,
 * unknown keys) with a TypeError or RangeError whose message names the option.
 */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConfigError, loadConfig, SETTINGS, type Setting, variableName } from '@rampart/config';
import {
  type AnyPolicy,
  backoff,
  breakers,
  bulkhead,
  chaos,
  circuitBreaker,
  failClosed,
  failOpen,
  fallback,
  health,
  hedge,
  pipeline,
  Registry,
  rateLimit,
  resilientFetch,
  retry,
  retryBudget,
  settle,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { instrument } from '@rampart/otel';
import { describe, expect, it } from 'vitest';

type Thrower = () => unknown;
/** A call that must throw, the error class, and words its message must contain (the option). */
type Case = readonly [
  label: string,
  call: Thrower,
  type: typeof TypeError | typeof RangeError,
  ...names: string[],
];

const ok = () => 'ok';
const run = ok;
// Loosely typed factories: these calls are wrong on purpose, as untyped JavaScript or JSON would be.
// biome-ignore lint/suspicious/noExplicitAny: the point is to pass what the types forbid.
const any = (f: unknown) => f as (...args: any[]) => unknown;

const CASES: Readonly<Record<string, readonly Case[]>> = {
  timeout: [
    ['negative', () => timeout(-1), RangeError, 'timeout', 'after'],
    ['NaN', () => timeout(Number.NaN), TypeError, 'timeout', 'after'],
    ['Infinity', () => timeout(Number.POSITIVE_INFINITY), RangeError, 'after'],
    ['a string', () => any(timeout)('5s'), TypeError, 'options'],
    ['null', () => any(timeout)(null), TypeError, 'options'],
    ['an array', () => any(timeout)([5]), TypeError, 'options'],
    ['negative after', () => timeout({ after: -5 }), RangeError, 'after'],
    ['unknown strategy', () => any(timeout)({ strategy: 'eager' }), RangeError, 'strategy', 'cooperative'],
    ['unknown key', () => any(timeout)({ afterr: 5 }), TypeError, 'afterr'],
    ['empty name', () => timeout({ name: '' }), TypeError, 'name'],
    ['configure: NaN', () => timeout(5).configure({ after: Number.NaN }), TypeError, 'after'],
    ['configure: unknown key', () => any(timeout(5).configure)({ name: 'x' }), TypeError, 'name'],
  ],
  bulkhead: [
    ['limit 0', () => bulkhead(0), RangeError, 'limit'],
    ['fractional limit', () => bulkhead(1.5), RangeError, 'limit', 'integer'],
    ['NaN limit', () => bulkhead({ limit: Number.NaN }), TypeError, 'limit'],
    ['Infinity limit', () => bulkhead({ limit: Number.POSITIVE_INFINITY }), RangeError, 'limit'],
    ['string limit', () => any(bulkhead)({ limit: '10' }), TypeError, 'limit'],
    ['negative queue', () => bulkhead({ queue: -1 }), RangeError, 'queue'],
    ['fractional queue', () => bulkhead({ queue: 2.5 }), RangeError, 'queue'],
    ['queueTimeout 0', () => bulkhead({ queueTimeout: 0 }), RangeError, 'queueTimeout'],
    ['NaN queueTimeout', () => bulkhead({ queueTimeout: Number.NaN }), TypeError, 'queueTimeout'],
    ['unknown key', () => any(bulkhead)({ limt: 5 }), TypeError, 'limt'],
    ['configure: limit 0', () => bulkhead(2).configure({ limit: 0 }), RangeError, 'limit'],
  ],
  retry: [
    ['maxAttempts 0', () => retry({ maxAttempts: 0 }), RangeError, 'maxAttempts'],
    ['fractional maxAttempts', () => retry({ maxAttempts: 1.5 }), RangeError, 'maxAttempts'],
    ['NaN maxAttempts', () => retry({ maxAttempts: Number.NaN }), TypeError, 'maxAttempts'],
    [
      '-Infinity maxAttempts',
      () => retry({ maxAttempts: Number.NEGATIVE_INFINITY }),
      RangeError,
      'maxAttempts',
    ],
    ['negative maxDelay', () => retry({ maxDelay: -1 }), RangeError, 'maxDelay'],
    ['Infinity maxDelay', () => retry({ maxDelay: Number.POSITIVE_INFINITY }), RangeError, 'maxDelay'],
    ['backoff as a string', () => any(retry)({ backoff: 'exponential' }), TypeError, 'backoff'],
    ['unknown backoff kind', () => any(retry)({ backoff: { kind: 'cubic' } }), RangeError, 'backoff.kind'],
    [
      'negative backoff.initial',
      () => retry({ backoff: { ...backoff.constant(5), initial: -1 } }),
      RangeError,
      'backoff.initial',
    ],
    [
      'backoff.max < initial',
      () => any(retry)({ backoff: { kind: 'linear', initial: 10, max: 5 } }),
      RangeError,
      'backoff.max',
    ],
    ['unknown backoff field', () => any(retry)({ backoff: { kind: 'linear', step: 5 } }), TypeError, 'step'],
    ['retryOn not a function', () => any(retry)({ retryOn: true }), TypeError, 'retryOn'],
    ['retryOnResult not a function', () => any(retry)({ retryOnResult: 1 }), TypeError, 'retryOnResult'],
    ['budget not a budget', () => any(retry)({ budget: {} }), TypeError, 'budget'],
    ['random not a function', () => any(retry)({ random: 0.5 }), TypeError, 'random'],
    ['unknown key', () => any(retry)({ maxAttempt: 3 }), TypeError, 'maxAttempt'],
    ['configure: maxAttempts 0', () => retry().configure({ maxAttempts: 0 }), RangeError, 'maxAttempts'],
  ],
  backoff: [
    ['constant(-1)', () => backoff.constant(-1), RangeError, 'delay'],
    ['constant(NaN)', () => backoff.constant(Number.NaN), TypeError, 'delay'],
    ['linear negative initial', () => backoff.linear({ initial: -1 }), RangeError, 'initial'],
    ['exponential factor < 1', () => backoff.exponential({ factor: 0.5 }), RangeError, 'factor'],
    ['exponential NaN factor', () => backoff.exponential({ factor: Number.NaN }), TypeError, 'factor'],
    ['unknown jitter', () => any(backoff.exponential)({ jitter: 'partial' }), RangeError, 'jitter'],
    [
      'fibonacci Infinity initial',
      () => backoff.fibonacci({ initial: Number.POSITIVE_INFINITY }),
      RangeError,
      'initial',
    ],
    ['unknown key', () => any(backoff.exponential)({ initiall: 1 }), TypeError, 'initiall'],
  ],
  circuitBreaker: [
    ['breaker as a string', () => any(circuitBreaker)({ breaker: 'consecutive' }), TypeError, 'breaker'],
    [
      'unknown breaker kind',
      () => any(circuitBreaker)({ breaker: { kind: 'ratio' } }),
      RangeError,
      'breaker.kind',
    ],
    [
      'threshold 0',
      () => any(circuitBreaker)({ breaker: { kind: 'consecutive', threshold: 0 } }),
      RangeError,
      'breaker.threshold',
    ],
    [
      'a count field on a consecutive breaker',
      () => any(circuitBreaker)({ breaker: { kind: 'consecutive', size: 5 } }),
      TypeError,
      'breaker.size',
    ],
    ['openFor 0', () => circuitBreaker({ openFor: 0 }), RangeError, 'openFor'],
    ['NaN openFor', () => circuitBreaker({ openFor: Number.NaN }), TypeError, 'openFor'],
    ['halfOpen.probes 0', () => circuitBreaker({ halfOpen: { probes: 0 } }), RangeError, 'halfOpen.probes'],
    [
      'fractional halfOpen.successes',
      () => circuitBreaker({ halfOpen: { successes: 1.5 } }),
      RangeError,
      'halfOpen.successes',
    ],
    [
      'Infinity halfOpen.maxWait',
      () => circuitBreaker({ halfOpen: { maxWait: Number.POSITIVE_INFINITY } }),
      RangeError,
      'halfOpen.maxWait',
    ],
    ['unknown halfOpen key', () => any(circuitBreaker)({ halfOpen: { probez: 1 } }), TypeError, 'probez'],
    ['handles not a function', () => any(circuitBreaker)({ handles: 'all' }), TypeError, 'handles'],
    [
      'unknown initial state',
      () => any(circuitBreaker)({ initialState: { state: 'broken' } }),
      RangeError,
      'initialState.state',
    ],
    ['unknown key', () => any(circuitBreaker)({ breakr: breakers.consecutive(3) }), TypeError, 'breakr'],
    ['configure: openFor -1', () => circuitBreaker().configure({ openFor: -1 }), RangeError, 'openFor'],
  ],
  breakers: [
    ['consecutive(0)', () => breakers.consecutive(0), RangeError, 'threshold'],
    ['consecutive(NaN)', () => breakers.consecutive(Number.NaN), TypeError, 'threshold'],
    ['count failureRatio 0', () => breakers.count({ failureRatio: 0 }), RangeError, 'failureRatio'],
    ['count failureRatio 1.5', () => breakers.count({ failureRatio: 1.5 }), RangeError, 'failureRatio'],
    ['count size 0', () => breakers.count({ size: 0 }), RangeError, 'size'],
    [
      'count minimumCalls > size',
      () => breakers.count({ size: 10, minimumCalls: 20 }),
      RangeError,
      'minimumCalls',
    ],
    ['sampling window 0', () => breakers.sampling({ window: 0 }), RangeError, 'window'],
    ['sampling buckets 0', () => breakers.sampling({ buckets: 0 }), RangeError, 'buckets'],
    [
      'sampling NaN slowCallRatio',
      () => breakers.sampling({ slowCallRatio: Number.NaN }),
      TypeError,
      'slowCallRatio',
    ],
    ['unknown key', () => any(breakers.count)({ sizee: 1 }), TypeError, 'sizee'],
  ],
  rateLimit: [
    ['rate 0', () => rateLimit({ rate: 0 }), RangeError, 'rate'],
    ['negative rate', () => rateLimit({ rate: -1 }), RangeError, 'rate'],
    ['Infinity rate', () => rateLimit({ rate: Number.POSITIVE_INFINITY }), RangeError, 'rate'],
    ['NaN interval', () => rateLimit({ interval: Number.NaN }), TypeError, 'interval'],
    ['interval 0', () => rateLimit({ interval: 0 }), RangeError, 'interval'],
    ['burst 0', () => rateLimit({ burst: 0 }), RangeError, 'burst'],
    ['fractional burst', () => rateLimit({ burst: 1.5 }), RangeError, 'burst'],
    ['negative maxWait', () => rateLimit({ maxWait: -1 }), RangeError, 'maxWait'],
    ['unknown key', () => any(rateLimit)({ ratee: 1 }), TypeError, 'ratee'],
    ['configure: rate 0', () => rateLimit().configure({ rate: 0 }), RangeError, 'rate'],
  ],
  fallback: [
    ['no form', () => any(fallback)({}), TypeError, 'value', 'fn', 'lastGood'],
    ['two forms', () => any(fallback)({ value: 1, fn: ok }), TypeError, 'value', 'fn'],
    ['fn not a function', () => any(fallback)({ fn: 5 }), TypeError, 'fn'],
    ['negative lastGood.ttl', () => fallback({ lastGood: { ttl: -1 } }), RangeError, 'lastGood.ttl'],
    ['NaN lastGood.ttl', () => fallback({ lastGood: { ttl: Number.NaN } }), TypeError, 'lastGood.ttl'],
    [
      'lastGood.mark not a function',
      () => any(fallback)({ lastGood: { mark: 1 } }),
      TypeError,
      'lastGood.mark',
    ],
    ['handles not a function', () => any(fallback)({ value: 1, handles: 'x' }), TypeError, 'handles'],
    ['unknown key', () => any(fallback)({ value: 1, extra: 1 }), TypeError, 'extra'],
    ['failOpen with a value', () => any(failOpen)({ value: false }), TypeError, 'value'],
    ['failClosed with bad handles', () => any(failClosed)({ handles: 1 }), TypeError, 'handles'],
  ],
  hedge: [
    ['negative delay', () => hedge({ delay: -1 }), RangeError, 'delay'],
    ['NaN delay', () => hedge({ delay: Number.NaN }), TypeError, 'delay'],
    ['negative maxHedges', () => hedge({ maxHedges: -1 }), RangeError, 'maxHedges'],
    ['fractional maxHedges', () => hedge({ maxHedges: 1.5 }), RangeError, 'maxHedges'],
    ['1,000 hedges', () => hedge({ maxHedges: 1_000 }), RangeError, 'maxHedges'],
    ['handles not a function', () => any(hedge)({ handles: 1 }), TypeError, 'handles'],
    ['budget not a budget', () => any(hedge)({ budget: 5 }), TypeError, 'budget'],
    ['unknown key', () => any(hedge)({ dealy: 1 }), TypeError, 'dealy'],
  ],
  chaos: [
    ['rate 2', () => chaos({ rate: 2 }), RangeError, 'rate'],
    ['negative rate', () => chaos({ rate: -0.1 }), RangeError, 'rate'],
    ['NaN rate', () => chaos({ rate: Number.NaN }), TypeError, 'rate'],
    ['enabled as a string', () => any(chaos)({ enabled: 'yes' }), TypeError, 'enabled'],
    ['negative latency', () => chaos({ latency: -1 }), RangeError, 'latency'],
    ['fault not a function', () => any(chaos)({ fault: 'boom' }), TypeError, 'fault'],
    ['fault and result', () => chaos({ fault: ok, result: ok }), TypeError, 'fault', 'result'],
    [
      'enabled with nothing to inject',
      () => chaos({ enabled: true, rate: 1 }),
      TypeError,
      'fault',
      'latency',
    ],
    ['unknown key', () => any(chaos)({ ratte: 1 }), TypeError, 'ratte'],
  ],
  retryBudget: [
    ['negative ratio', () => retryBudget({ ratio: -1 }), RangeError, 'ratio'],
    ['NaN ratio', () => retryBudget({ ratio: Number.NaN }), TypeError, 'ratio'],
    ['window 0', () => retryBudget({ window: 0 }), RangeError, 'window'],
    ['negative minPerSecond', () => retryBudget({ minPerSecond: -1 }), RangeError, 'minPerSecond'],
    ['buckets 0', () => retryBudget({ buckets: 0 }), RangeError, 'buckets'],
    ['buckets finer than 1 ms', () => retryBudget({ window: 5, buckets: 10 }), RangeError, 'buckets'],
    ['unknown key', () => any(retryBudget)({ ration: 1 }), TypeError, 'ration'],
  ],
  health: [
    ['no checks', () => health({ checks: [], registry: null }), TypeError, 'checks'],
    [
      'a check without run',
      () => any(health)({ checks: [{ name: 'db' }], registry: null }),
      TypeError,
      'run',
    ],
    [
      'an empty check name',
      () => health({ checks: [{ name: '', run }], registry: null }),
      TypeError,
      'checks[0].name',
    ],
    [
      'check timeout 0',
      () => health({ checks: [{ name: 'db', run, timeout: 0 }], registry: null }),
      RangeError,
      'timeout',
    ],
    [
      'negative interval',
      () => health({ checks: [{ name: 'db', run, interval: -1 }], registry: null }),
      RangeError,
      'interval',
    ],
    [
      'history 0',
      () => health({ checks: [{ name: 'db', run }], history: 0, registry: null }),
      RangeError,
      'history',
    ],
    [
      'two checks with one name',
      () =>
        health({
          checks: [
            { name: 'db', run },
            { name: 'db', run },
          ],
          registry: null,
        }),
      TypeError,
      'db',
    ],
    [
      'unknown check key',
      () => any(health)({ checks: [{ name: 'db', run, critcal: true }], registry: null }),
      TypeError,
      'critcal',
    ],
    [
      'unknown key',
      () => any(health)({ checks: [{ name: 'db', run }], registry: null, foo: 1 }),
      TypeError,
      'foo',
    ],
  ],
  settle: [
    ['calls not an object', () => any(settle)(5), TypeError, 'calls'],
    ['a call that is not a function', () => any(settle)({ a: 1 }), TypeError, 'calls.a'],
    ['negative timeout', () => settle({ a: ok }, { timeout: -1 }), RangeError, 'timeout'],
    ['signal not a signal', () => any(settle)({ a: ok }, { signal: 'x' }), TypeError, 'signal'],
    ['unknown key', () => any(settle)({ a: ok }, { foo: 1 }), TypeError, 'foo'],
  ],
  resilientFetch: [
    ['no pipeline', () => any(resilientFetch)(null), TypeError, 'pipeline'],
    [
      'fetch not a function',
      () => any(resilientFetch)(pipeline('f1', [], { registry: null }), { fetch: 5 }),
      TypeError,
      'fetch',
    ],
    [
      'notFoundAsNull as a string',
      () => any(resilientFetch)(pipeline('f2', [], { registry: null }), { notFoundAsNull: 'yes' }),
      TypeError,
      'notFoundAsNull',
    ],
    [
      'key as a number',
      () => any(resilientFetch)(pipeline('f3', [], { registry: null }), { key: 5 }),
      TypeError,
      'key',
    ],
    [
      'unknown key',
      () => any(resilientFetch)(pipeline('f4', [], { registry: null }), { retries: 3 }),
      TypeError,
      'retries',
    ],
  ],
  pipeline: [
    ['a name with spaces', () => pipeline('my pipeline', [], { registry: null }), TypeError, 'pipeline name'],
    ['policies not an array', () => any(pipeline)('p', 'retry', { registry: null }), TypeError, 'policies'],
    [
      'something that is not a policy',
      () => any(pipeline)('p', [{}], { registry: null }),
      TypeError,
      'policies[0]',
    ],
    [
      'two policies with one name',
      () => pipeline('p', [timeout(1), timeout(2)], { registry: null }),
      TypeError,
      'name',
    ],
    [
      'a registry error handler that is not a function',
      () => new (Registry as new (options: unknown) => Registry)({ onListenerError: 5 }),
      TypeError,
      'onListenerError',
    ],
    [
      'an unknown option',
      () => any(pipeline)('p', [], { registry: null, enable: false }),
      TypeError,
      'enable',
    ],
    [
      'a clock that is not a clock',
      () => any(pipeline)('p', [], { registry: null, clock: {} }),
      TypeError,
      'clock',
    ],
    [
      'enabled as a string',
      () => any(pipeline)('p', [], { registry: null, enabled: 'no' }),
      TypeError,
      'enabled',
    ],
  ],
  instrument: [
    ['not a registry', () => any(instrument)(5), TypeError, 'registry'],
    [
      'meterProvider not a provider',
      () => any(instrument)(new Registry(), { meterProvider: 5 }),
      TypeError,
      'meterProvider',
    ],
    [
      'errorTypeLimit 0',
      () => instrument(new Registry(), { errorTypeLimit: 0 }),
      TypeError,
      'errorTypeLimit',
    ],
    [
      'an attribute that is an object',
      () => any(instrument)(new Registry(), { attributes: { team: {} } }),
      TypeError,
      'attributes',
    ],
    [
      'unknown key',
      () => any(instrument)(new Registry(), { meterProvder: new MeterProvider() }),
      TypeError,
      'meterProvder',
    ],
  ],
};

describe('every factory rejects nonsense with an error that names the option', () => {
  for (const [factory, cases] of Object.entries(CASES)) {
    describe(factory, () => {
      for (const [label, call, type, ...names] of cases) {
        it(label, () => {
          let thrown: unknown;
          try {
            call();
          } catch (error) {
            thrown = error;
          }
          expect(thrown, `${factory}: ${label} was accepted`).toBeInstanceOf(type);
          const message = (thrown as Error).message;
          for (const name of names) expect(message).toContain(name);
        });
      }
    });
  }

  it('a failed configure() changes nothing', () => {
    const policies: [AnyPolicy, Parameters<AnyPolicy['configure']>[0]][] = [
      [timeout(100), { after: -1 }],
      [bulkhead({ limit: 3, queue: 2 }), { limit: 5, queue: -1 }],
      [retry({ maxAttempts: 3 }), { maxAttempts: 5, maxDelay: Number.NaN }],
      [circuitBreaker({ openFor: 1_000 }), { openFor: 5_000, halfOpen: { probes: 0 } }],
      [rateLimit({ rate: 5 }), { rate: 10, burst: 0 }],
      [hedge({ delay: 10 }), { delay: 20, maxHedges: -1 }],
      [chaos({ rate: 0.1 }), { rate: 0.5, enabled: 'yes' }],
      [fallback({ value: 1 }), { handles: 5 }],
    ];
    for (const [policy, bad] of policies) {
      const before = JSON.stringify(policy.snapshot());
      expect(() => policy.configure(bad), policy.kind).toThrow();
      expect(JSON.stringify(policy.snapshot()), policy.kind).toBe(before);
    }
  });

  // A circuit breaker's snapshot does not show openFor, nor a fallback's its handles: what
  // they do shows whether a failed configure() left them as they were.
  it('a failed configure() leaves a circuit breaker opening for the openFor it had', async () => {
    const clock = new TestClock();
    const breaker = circuitBreaker({ breaker: breakers.consecutive(1), openFor: 1_000, clock });
    expect(() => breaker.configure({ openFor: 5_000, halfOpen: { probes: 0 } })).toThrow(RangeError);
    const p = new Registry().pipeline('cb', [breaker], { clock });
    const fail = () => p.execute(() => Promise.reject(new Error('down'))).catch(() => 'failed');
    /** A failed call opens the circuit for exactly 1,000 ms, after which it is half-open. */
    const failAndWaitItOut = async () => {
      expect(await fail()).toBe('failed');
      expect(breaker.state).toBe('open');
      await clock.advance(999);
      expect(breaker.state).toBe('open');
      await clock.advance(1);
      expect(breaker.state).toBe('half_open');
    };
    await failAndWaitItOut();
    await failAndWaitItOut(); // a failed probe opens it again, for 1,000 ms again
    // One probe (the default, not the 0 refused) gets through and closes it.
    await expect(p.execute(() => 'up')).resolves.toBe('up');
    expect(breaker.state).toBe('closed');
  });

  it("a failed configure() leaves a fallback's handles deciding what falls back", async () => {
    const handled = new Error('use the fallback');
    const other = new Error('not mine');
    const policy = fallback({ value: 1, handles: (error) => error === handled });
    expect(() => policy.configure({ handles: 5 } as never)).toThrow(TypeError);
    expect(() => policy.configure({ value: 2, handles: 5 } as never)).toThrow(TypeError);
    const p = new Registry().pipeline('fb', [policy]);
    await expect(p.execute(() => Promise.reject(handled))).resolves.toBe(1);
    await expect(p.execute(() => Promise.reject(other))).rejects.toBe(other);
  });
});

/** Texts no setting of this constraint accepts. */
function nonsenseFor(setting: Setting): string[] {
  const out: string[] = ['abc'];
  switch (setting.format) {
    case 'boolean':
      return ['maybe', '2', 'yes please'];
    case 'enum':
      return ['nonsense', '1'];
    case 'integer':
      out.push('1.5', 'NaN', '0x1z');
      break;
    case 'number':
    case 'ratio':
      out.push('NaN', '1..2');
      break;
    case 'duration':
      out.push('5 parsecs', '-5s', 'NaNms');
      break;
  }
  if (setting.min !== undefined) out.push(String(setting.min - 1));
  if (setting.minExclusive && setting.min !== undefined) out.push(String(setting.min));
  if (setting.max !== undefined) out.push(String(setting.max * 10 + 1));
  if (setting.format === 'ratio' && (setting.max ?? 1) <= 1) out.push('150%');
  if (!setting.infinity) out.push('infinity', 'Infinity');
  return out;
}

describe('loadConfig rejects nonsense in every variable, naming it', () => {
  const perSetting = SETTINGS.map((setting) => [setting, nonsenseFor(setting)] as const);

  it.each(perSetting.map(([setting, texts]) => [variableName(setting), setting, texts] as const))(
    '%s',
    (variable, setting, texts) => {
      for (const text of texts) {
        const env = { [variable]: text };
        let thrown: unknown;
        try {
          loadConfig({ pipelines: ['payments'], env, file: null });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${variable}=${JSON.stringify(text)} was accepted`).toBeInstanceOf(ConfigError);
        const issue = (thrown as ConfigError).issues.find((i) => i.variable === variable);
        expect(issue, `${variable}=${JSON.stringify(text)}: ${String(thrown)}`).toMatchObject({
          variable,
          value: text,
        });
        expect((thrown as Error).message).toContain(variable);
        // The same for the pipeline's own variable, where the setting has one.
        if (setting.perPipeline) {
          const own = variableName(setting, 'payments');
          expect(
            () => loadConfig({ pipelines: ['payments'], env: { [own]: text }, file: null }),
            own,
          ).toThrow(own);
        }
      }
    },
  );

  it('every bad variable at once, in one error', () => {
    const env: Record<string, string> = {};
    for (const [setting, texts] of perSetting) env[variableName(setting)] = texts[0]!;
    let thrown: unknown;
    try {
      loadConfig({ pipelines: ['payments'], env, file: null });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const named = new Set((thrown as ConfigError).issues.map((i) => i.variable));
    for (const variable of Object.keys(env)) expect(named.has(variable), variable).toBe(true);
  });

  it('an unknown variable is an error in strict mode, with the nearest valid name', () => {
    expect(() =>
      loadConfig({
        pipelines: ['payments'],
        env: { RAMPART_RETRY_MAX_ATEMPTS: '3' },
        file: null,
        strict: true,
      }),
    ).toThrow(/RAMPART_RETRY_MAX_ATEMPTS[\s\S]*RAMPART_RETRY_MAX_ATTEMPTS/);
  });

  it('loadConfig itself rejects options that make no sense', () => {
    expect(() => loadConfig({ pipelines: 'payments' } as never)).toThrow(TypeError);
    expect(() => loadConfig({ pipelines: ['bad name'], env: {}, file: null })).toThrow(/pipeline name/);
  });
});
