import { expect } from 'vitest';
import { TimeoutError } from '../../errors.js';
import type { EventSink } from '../../events/sink.js';
import type { Pipeline } from '../../pipeline/pipeline.js';
import type { Registry } from '../../pipeline/registry.js';
import type { CallContext } from '../../types.js';

/*
 * What the tests of every policy with a solo path (internal/solo.ts) share: telling the two
 * paths apart, and checking that they name the pipeline on errors alike.
 */

/**
 * Whether a call ran in a frame: on the frame path the function's context is the frame
 * itself (it has the call's state); a solo call gets a plain context.
 */
export const ranInFrame = (ctx: CallContext): boolean => 'call' in ctx;

/** A sink that hears everything and does nothing: attached, it makes every call observed. */
export const QUIET_SINK: EventSink = {
  event() {},
  call() {},
  attempt() {},
  retryDone() {},
  circuitCall() {},
  bulkheadAcquired() {},
};

/**
 * A `ResilienceError` the function throws (synchronously or not) gets the pipeline's name
 * unless it names one already; other errors are left alone. Checked on each pipeline given:
 * pass one whose calls take the solo path and one whose calls take the frame path.
 */
export async function expectPipelineNamedOnErrors(pipelines: readonly Pipeline[]): Promise<void> {
  for (const pipeline of pipelines) {
    const sync = new TimeoutError(5);
    await expect(
      pipeline.execute(() => {
        throw sync;
      }),
    ).rejects.toBe(sync);
    expect(sync.pipeline).toBe(pipeline.name);
    const async = new TimeoutError(5);
    await expect(pipeline.execute(() => Promise.reject(async))).rejects.toBe(async);
    expect(async.pipeline).toBe(pipeline.name);
    const named = new TimeoutError(5);
    named.pipeline = 'inner';
    await expect(pipeline.execute(() => Promise.reject(named))).rejects.toBe(named);
    expect(named.pipeline).toBe('inner');
    const plain = new Error('plain');
    await expect(pipeline.execute(() => Promise.reject(plain))).rejects.toBe(plain);
    expect(plain).not.toHaveProperty('pipeline');
  }
}

/**
 * A call of `p` (a pipeline of `registry` holding one policy, ready to take its solo path)
 * takes the frame path when given options, when observed (a listener or a sink) and when the
 * pipeline is switched off, and the solo path again once none of these holds.
 */
export async function expectFramePathUnlessPlain(registry: Registry, p: Pipeline): Promise<void> {
  const inFrame = (options?: { key: string }) =>
    p.execute((ctx) => ranInFrame(ctx), options) as Promise<boolean>;
  expect(await inFrame()).toBe(false);
  expect(await inFrame({ key: 'k' })).toBe(true);
  const subscription = registry.on(() => {});
  expect(await inFrame()).toBe(true);
  subscription.dispose();
  const sink = registry.attachSink(QUIET_SINK);
  expect(await inFrame()).toBe(true);
  sink.dispose();
  p.enabled = false;
  expect(await inFrame()).toBe(true);
  p.enabled = true;
  expect(await inFrame()).toBe(false);
}

/**
 * A function that hands its context to `seen` and answers with `answer()`: what the solo-path
 * tests run, to see both the context a call got and what its caller got back.
 */
export const noting =
  (seen: (ctx: CallContext) => void) =>
  (answer: () => unknown) =>
  (ctx: CallContext): unknown => {
    seen(ctx);
    return answer();
  };

/** A value reaches the caller unchanged, however the function answers with it: async, plain, or a thenable. */
export async function expectValuesPassThrough(
  p: Pipeline,
  run: (answer: () => unknown) => (ctx: CallContext) => unknown,
): Promise<void> {
  await expect(p.execute(run(async () => 'ok'))).resolves.toBe('ok');
  await expect(p.execute(run(() => 'plain value'))).resolves.toBe('plain value');
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise, on purpose
    then: (resolve: (v: string) => void) => resolve('thenable'),
  };
  await expect(p.execute(run(() => thenable))).resolves.toBe('thenable');
}
