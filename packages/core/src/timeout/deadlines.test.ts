import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../clock.js';
import { TestClock } from '../testing/index.js';
import { type DeadlineEntry, DeadlineQueue } from './deadlines.js';

interface Entry extends DeadlineEntry<Entry> {
  readonly id: string;
}

const entry = (id: string, after = 0): Entry => ({
  id,
  after,
  deadline: 0,
  prev: undefined,
  next: undefined,
  queued: false,
});

function setup(clock: Clock = new TestClock()) {
  const expired: { id: string; at: number }[] = [];
  const queue = new DeadlineQueue<Entry>(clock, (e) => expired.push({ id: e.id, at: clock.now() }));
  const add = (id: string, after: number): Entry => {
    const e = entry(id, after);
    const now = clock.now();
    e.deadline = now + after;
    queue.add(e, now);
    return e;
  };
  return { queue, expired, add };
}

describe('DeadlineQueue', () => {
  it('keeps one timer for any number of entries, and fires each at its own deadline', async () => {
    const clock = new TestClock();
    const { queue, expired, add } = setup(clock);
    for (let i = 0; i < 1_000; i++) {
      add(`e${i}`, 100);
      await clock.advance(1);
    }
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(expired).toHaveLength(1_000);
    expect(expired).toEqual(Array.from({ length: 1_000 }, (_, i) => ({ id: `e${i}`, at: 100 + i })));
    expect(queue.armed).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an entry that leaves early expires nothing; the timer goes when the last one leaves', async () => {
    const clock = new TestClock();
    const { queue, expired, add } = setup(clock);
    const a = add('a', 100);
    await clock.advance(10);
    add('b', 100);
    queue.remove(a);
    expect(clock.pendingTimers).toBe(1); // still armed for a's time: it fires, then waits for b
    await clock.advance(90);
    expect(expired).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10);
    expect(expired).toEqual([{ id: 'b', at: 110 }]);
    expect(clock.pendingTimers).toBe(0);

    const c = add('c', 100);
    expect(queue.remove(c)).toBe(true);
    expect(queue.remove(c)).toBe(false);
    expect(clock.pendingTimers).toBe(0); // nothing pending: no timer
  });

  it('an entry with an earlier deadline than those queued (a lowered timeout) is armed for at once', async () => {
    const clock = new TestClock();
    const { expired, add } = setup(clock);
    add('long', 1_000);
    add('short', 10);
    add('mid', 500);
    await clock.advance(2_000);
    expect(expired).toEqual([
      { id: 'short', at: 10 },
      { id: 'mid', at: 500 },
      { id: 'long', at: 1_000 },
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('entries added while others expire wait for their own deadline under one timer', async () => {
    const clock = new TestClock();
    const expired: string[] = [];
    const queue: DeadlineQueue<Entry> = new DeadlineQueue<Entry>(clock, (e) => {
      expired.push(`${e.id}@${clock.now()}`);
      if (e.id === 'a') {
        const again = entry('again');
        again.deadline = clock.now() + 50;
        queue.add(again, clock.now());
      }
    });
    const a = entry('a');
    a.deadline = 100;
    queue.add(a, 0);
    await clock.advance(100);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(50);
    expect(expired).toEqual(['a@100', 'again@150']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('matches a naive model: each entry expires exactly at its deadline unless removed first', () => {
    type Op =
      | { kind: 'add'; after: number }
      | { kind: 'remove'; pick: number }
      | { kind: 'advance'; ms: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), after: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120 }) }),
    );
    return fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops: Op[]) => {
        const clock = new TestClock();
        const { queue, expired, add } = setup(clock);
        const live: Entry[] = [];
        const expected: { id: string; at: number }[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') live.push(add(`e${n++}`, o.after));
          else if (o.kind === 'remove' && live.length > 0) {
            const [e] = live.splice(o.pick % live.length, 1);
            if (e?.queued) queue.remove(e);
          } else if (o.kind === 'advance') {
            const until = clock.now() + o.ms;
            const due = live.filter((e) => e.queued && e.deadline <= until);
            due.sort((x, y) => x.deadline - y.deadline || Number(x.id.slice(1)) - Number(y.id.slice(1)));
            for (const e of due) expected.push({ id: e.id, at: e.deadline });
            await clock.advance(o.ms);
          }
          expect(clock.pendingTimers).toBe(live.some((e) => e.queued) ? 1 : 0);
        }
        expect(expired).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('an entry alone whose start was not read costs no clock read and expires after its `after`', async () => {
    let reads = 0;
    const clock = new TestClock(1_000);
    const counting: Clock = {
      now: () => {
        reads++;
        return clock.now();
      },
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
    const expired: string[] = [];
    const queue = new DeadlineQueue<Entry>(counting, (e) => expired.push(`${e.id}@${clock.now()}`));
    const lone = entry('lone', 100);
    lone.deadline = Number.NaN;
    queue.add(lone, Number.NaN);
    expect(reads).toBe(0);
    expect(clock.pendingTimers).toBe(1);
    queue.remove(lone); // ends first: the timer goes with it
    expect(clock.pendingTimers).toBe(0);
    const a = entry('a', 100);
    a.deadline = Number.NaN;
    queue.add(a, Number.NaN);
    await clock.advance(10);
    const b = entry('b', 100);
    b.deadline = Number.NaN;
    queue.add(b, Number.NaN); // not alone: the queue reads the clock for b
    expect(reads).toBe(1);
    expect(b.deadline).toBe(1_110);
    await clock.advance(90);
    expect(expired).toEqual(['a@1100']);
    await clock.advance(10);
    expect(expired).toEqual(['a@1100', 'b@1110']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('matches a model with one `after` (as a timeout policy has) when lone entries are not timed', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), timed: fc.boolean() }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 80 }) }),
    );
    return fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100 }),
        fc.array(op, { maxLength: 60 }),
        async (after, ops) => {
          const clock = new TestClock();
          const expired: { id: string; at: number }[] = [];
          const queue = new DeadlineQueue<Entry>(clock, (e) => expired.push({ id: e.id, at: clock.now() }));
          const live: { e: Entry; due: number }[] = [];
          const expected: { id: string; at: number }[] = [];
          let n = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const e = entry(`e${n++}`, after);
              const now = o.timed ? clock.now() : Number.NaN;
              e.deadline = now + after;
              live.push({ e, due: clock.now() + after });
              queue.add(e, now);
            } else if (o.kind === 'remove' && live.length > 0) {
              const [item] = live.splice(o.pick % live.length, 1);
              if (item?.e.queued) queue.remove(item.e);
            } else if (o.kind === 'advance') {
              const until = clock.now() + o.ms;
              const due = live.filter((x) => x.e.queued && x.due <= until);
              for (const x of due) expected.push({ id: x.e.id, at: x.due });
              await clock.advance(o.ms);
            }
            expect(clock.pendingTimers).toBe(live.some((x) => x.e.queued) ? 1 : 0);
          }
          expect(expired).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses the clock it is given: with the system clock, its timer does not hold the process open', () => {
    const handles: unknown[] = [];
    const spy: Clock = {
      now: () => systemClock.now(),
      setTimeout: (fn, ms) => {
        const handle = systemClock.setTimeout(fn, ms);
        handles.push(handle);
        return handle;
      },
      clearTimeout: (handle) => systemClock.clearTimeout(handle),
    };
    const { queue, add } = setup(spy);
    const e = add('e', 60_000);
    expect(handles).toHaveLength(1);
    expect((handles[0] as { hasRef(): boolean }).hasRef()).toBe(false);
    queue.remove(e);
    expect(queue.armed).toBe(false);
  });
});
