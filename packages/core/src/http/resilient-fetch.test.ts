import { describe, expect, it, vi } from 'vitest';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import { isTransient } from '../transient.js';
import type { AnyPolicy, Next, Outcome, PolicyContext } from '../types.js';
import { HttpStatusError, safeUrl } from './http-status-error.js';
import { type FetchLike, resilientFetch } from './resilient-fetch.js';

/** A fake fetch that answers the given responses in turn and records what it was asked. */
function fakeFetch(...answers: (() => Response | Promise<Response>)[]) {
  const calls: { input: RequestInfo | URL; init: RequestInit | undefined }[] = [];
  const fn = vi.fn<FetchLike>(async (input, init) => {
    calls.push({ input, init });
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer === undefined) throw new Error('no answer planned');
    return answer();
  });
  return { fn, calls };
}

const status =
  (code: number, body = `status ${code}`, headers: HeadersInit = {}) =>
  () =>
    new Response(body, { status: code, headers });

/**
 * A careless policy that repeats failed attempts up to `times`, ignoring
 * `call.idempotent`: the wrapper alone must keep a POST from going out twice.
 */
function naiveRepeat(times: number): AnyPolicy & { seenIdempotent: (boolean | undefined)[] } {
  const seenIdempotent: (boolean | undefined)[] = [];
  return {
    kind: 'retry',
    name: 'naive',
    seenIdempotent,
    snapshot: () => ({}),
    configure: () => {},
    async execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
      seenIdempotent.push(ctx.call.idempotent);
      let outcome = await next(ctx);
      for (let attempt = 2; attempt <= times && !outcome.ok; attempt++) {
        outcome = await next({ ...ctx, attempt });
      }
      return outcome;
    },
  };
}

function setup(policies: AnyPolicy[] = []) {
  const clock = new TestClock(Date.parse('2025-01-01T00:00:00Z'));
  const p = new Registry().pipeline('api', policies, { clock });
  return { clock, p };
}

describe('resilientFetch', () => {
  it('answers 2xx and 4xx responses as they are, and threads the pipeline signal into fetch', async () => {
    const { p } = setup();
    const { fn, calls } = fakeFetch(status(200, 'hello'), status(400, 'bad'));
    const get = resilientFetch(p, { fetch: fn });
    const ok = await get('https://api.test/users/1', { headers: { accept: 'text/plain' } });
    expect(await ok.text()).toBe('hello');
    expect((await get('https://api.test/users/1')).status).toBe(400);
    expect(calls[0]!.init!.signal).toBeInstanceOf(AbortSignal);
    expect(calls[0]!.init!.headers).toEqual({ accept: 'text/plain' });
  });

  it("the caller's signal aborts the request in flight", async () => {
    const { p } = setup();
    let seen: AbortSignal | undefined;
    const fetchFn: FetchLike = (_input, init) =>
      new Promise((_, reject) => {
        seen = init!.signal!;
        seen.addEventListener('abort', () => reject(seen!.reason));
      });
    const get = resilientFetch(p, { fetch: fetchFn });
    const controller = new AbortController();
    const call = get('https://api.test/slow', { signal: controller.signal });
    await Promise.resolve();
    controller.abort(new Error('user left'));
    await expect(call).rejects.toThrow('user left');
    expect(seen?.aborted).toBe(true);
  });

  it('turns 5xx into HttpStatusError with status, Retry-After in ms, a readable body and a safe URL', async () => {
    const { p } = setup();
    const { fn } = fakeFetch(status(503, 'down for maintenance', { 'retry-after': '120' }));
    const get = resilientFetch(p, { fetch: fn });
    const error = (await get('https://user:secret@api.test/v1/items?token=abc#x').catch(
      (e: unknown) => e,
    )) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({
      name: 'HttpStatusError',
      status: 503,
      method: 'GET',
      url: 'https://api.test/v1/items',
      retryAfter: 120_000,
      message: 'HTTP 503 from GET https://api.test/v1/items',
    });
    expect(await error.response.text()).toBe('down for maintenance');
    expect(error.response.status).toBe(503);
    expect(isTransient(error)).toBe(true);
  });

  it('reads a Retry-After HTTP date against the clock', async () => {
    const { p, clock } = setup();
    const at = new Date(clock.now() + 30_000).toUTCString();
    const { fn } = fakeFetch(status(429, 'slow down', { 'Retry-After': at }));
    const error = (await resilientFetch(p, { fetch: fn })('https://api.test/').catch(
      (e: unknown) => e,
    )) as HttpStatusError;
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(30_000);
  });

  it('without Retry-After (or with a malformed one), retryAfter is undefined', async () => {
    const { p } = setup();
    const { fn } = fakeFetch(status(408), status(500, 'x', { 'retry-after': 'soon' }));
    const get = resilientFetch(p, { fetch: fn });
    expect(
      ((await get('https://a.test/').catch((e: unknown) => e)) as HttpStatusError).retryAfter,
    ).toBeUndefined();
    expect(
      ((await get('https://a.test/').catch((e: unknown) => e)) as HttpStatusError).retryAfter,
    ).toBeUndefined();
  });

  it('failOn chooses which statuses fail', async () => {
    const { p } = setup();
    const { fn } = fakeFetch(status(503), status(409));
    const get = resilientFetch(p, { fetch: fn, failOn: (s) => s === 409 });
    expect((await get('https://a.test/')).status).toBe(503);
    await expect(get('https://a.test/')).rejects.toMatchObject({ status: 409 });
  });

  it('notFoundAsNull answers null for a 404 and releases its body', async () => {
    const { p } = setup();
    const cancel = vi.fn(async () => {});
    const notFound = new Response('missing', { status: 404 });
    vi.spyOn(notFound.body!, 'cancel').mockImplementation(cancel);
    const { fn } = fakeFetch(() => notFound, status(200, 'here'));
    const get = resilientFetch(p, { fetch: fn, notFoundAsNull: true });
    expect(await get('https://a.test/users/9')).toBeNull();
    expect(cancel).toHaveBeenCalled();
    expect(await (await get('https://a.test/users/1'))!.text()).toBe('here');
    const plain = resilientFetch(p, { fetch: fakeFetch(status(404)).fn });
    expect((await plain('https://a.test/users/9')).status).toBe(404);
  });

  describe('idempotency', () => {
    it('repeats a failed GET when a policy retries', async () => {
      const repeat = naiveRepeat(3);
      const { p } = setup([repeat]);
      const { fn } = fakeFetch(status(503), status(502), status(200, 'third time'));
      const res = await resilientFetch(p, { fetch: fn })('https://a.test/');
      expect(await res.text()).toBe('third time');
      expect(fn).toHaveBeenCalledTimes(3);
      expect(repeat.seenIdempotent).toEqual([true]);
    });

    it.each(['POST', 'PATCH', 'post'])(
      'sends a %s once, even through a policy that ignores the flag',
      async (method) => {
        const repeat = naiveRepeat(3);
        const { p } = setup([repeat]);
        const { fn } = fakeFetch(status(503), status(200));
        const call = resilientFetch(p, { fetch: fn })('https://a.test/orders', { method, body: '{}' });
        await expect(call).rejects.toMatchObject({ status: 503, method: method.toUpperCase() });
        expect(fn).toHaveBeenCalledTimes(1);
        expect(repeat.seenIdempotent).toEqual([false]);
      },
    );

    it('a non-idempotent Request object is sent once too', async () => {
      const { p } = setup([naiveRepeat(3)]);
      const { fn } = fakeFetch(status(500));
      const request = new Request('https://a.test/orders', { method: 'POST', body: 'order' });
      await expect(resilientFetch(p, { fetch: fn })(request)).rejects.toBeInstanceOf(HttpStatusError);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('an Idempotency-Key header or retryNonIdempotent lets a POST be repeated', async () => {
      for (const [options, init] of [
        [{}, { method: 'POST', body: '{}', headers: { 'Idempotency-Key': 'k-1' } }],
        [{}, { method: 'POST', body: '{}', headers: new Headers({ 'idempotency-key': 'k-1' }) }],
        [{}, { method: 'POST', body: '{}', headers: [['IDEMPOTENCY-KEY', 'k-1']] }],
        [{ retryNonIdempotent: true }, { method: 'POST', body: '{}' }],
      ] as const) {
        const { p } = setup([naiveRepeat(2)]);
        const { fn } = fakeFetch(status(503), status(201));
        const res = await resilientFetch(p, { ...options, fetch: fn })(
          'https://a.test/orders',
          init as RequestInit,
        );
        expect(res.status).toBe(201);
        expect(fn).toHaveBeenCalledTimes(2);
      }
    });

    it('a stream body cannot be sent twice, whatever the method', async () => {
      const { p } = setup([naiveRepeat(3)]);
      const { fn } = fakeFetch(status(503));
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('data'));
          c.close();
        },
      });
      const call = resilientFetch(p, { fetch: fn, retryNonIdempotent: true })('https://a.test/upload', {
        method: 'PUT',
        body,
        duplex: 'half',
      } as RequestInit);
      await expect(call).rejects.toMatchObject({ status: 503 });
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('a repeated Request with a body sends a fresh copy each time', async () => {
      const { p } = setup([naiveRepeat(2)]);
      const bodies: string[] = [];
      const fetchFn: FetchLike = async (input) => {
        bodies.push(await (input as Request).text());
        return new Response(null, { status: bodies.length === 1 ? 503 : 204 });
      };
      const request = new Request('https://a.test/items/1', { method: 'PUT', body: 'payload' });
      expect((await resilientFetch(p, { fetch: fetchFn })(request)).status).toBe(204);
      expect(bodies).toEqual(['payload', 'payload']);
      expect(request.bodyUsed).toBe(false);
    });
  });

  describe('with retry', () => {
    it('retries a 503 after the Retry-After it asked for', async () => {
      const { clock, p } = setup();
      const policy = retry({ maxAttempts: 3, clock, random: () => 0 });
      const withRetry = new Registry().pipeline('r', [policy], { clock });
      const { fn } = fakeFetch(status(503, 'busy', { 'retry-after': '2' }), status(200, 'ok'));
      const call = resilientFetch(withRetry, { fetch: fn })('https://a.test/');
      await clock.advance(1_999);
      expect(fn).toHaveBeenCalledTimes(1);
      await clock.advance(1);
      expect(await (await call).text()).toBe('ok');
      expect(fn).toHaveBeenCalledTimes(2);
      expect(p.name).toBe('api');
    });

    it('does not send a failed POST again', async () => {
      const clock = new TestClock();
      const withRetry = new Registry().pipeline('r', [retry({ maxAttempts: 3, clock, random: () => 0 })], {
        clock,
      });
      const { fn } = fakeFetch(status(503), status(200));
      const call = resilientFetch(withRetry, { fetch: fn })('https://a.test/orders', {
        method: 'POST',
        body: 'x',
      });
      const caught = call.catch((e: unknown) => e);
      await clock.runAll();
      expect(await caught).toMatchObject({ status: 503 });
      expect(fn).toHaveBeenCalledTimes(1);
    });
  });

  it('passes the operation key to the pipeline', async () => {
    const execute = vi.fn(async (fn: (ctx: never) => unknown, _options?: unknown) =>
      fn({ signal: new AbortController().signal, attempt: 1, key: undefined } as never),
    );
    const { fn } = fakeFetch(status(200));
    await resilientFetch({ execute } as never, { fetch: fn, key: ({ method }) => `users.${method}` })(
      'https://a.test/',
    );
    expect(execute.mock.calls[0]![1]).toMatchObject({ key: 'users.GET', idempotent: true });
  });

  it('validates options with messages that name them', () => {
    const { p } = setup();
    expect(() => resilientFetch({} as never)).toThrow(/resilientFetch: pipeline must be a pipeline/);
    expect(() => resilientFetch(p, { fetch: 'x' as never })).toThrow(
      /resilientFetch: fetch must be a function/,
    );
    expect(() => resilientFetch(p, { notFoundAsNull: 1 as never })).toThrow(
      /resilientFetch: notFoundAsNull must be true or false, got 1/,
    );
    expect(() => resilientFetch(p, { failOn: [500] as never })).toThrow(/failOn must be a function/);
    expect(() => resilientFetch(p, { key: 5 as never })).toThrow(/key must be a string or a function/);
    expect(() => resilientFetch(p, { retryNonIdemptent: true } as never)).toThrow(
      /unknown option "retryNonIdemptent"/,
    );
  });

  it('safeUrl drops credentials, query and fragment', () => {
    expect(safeUrl('https://u:p@h.test:8443/a/b?x=1#y')).toBe('https://h.test:8443/a/b');
    expect(safeUrl('/relative/path?secret=1')).toBe('/relative/path');
  });
});
