import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type WaitNode, WaitQueue } from './wait-queue.js';

interface Item extends WaitNode<Item> {
  readonly id: number;
}

const item = (id: number): Item => ({ id, prev: undefined, next: undefined, queued: false });

describe('WaitQueue', () => {
  it('keeps FIFO order and removes from the middle', () => {
    const q = new WaitQueue<Item>();
    const [a, b, c] = [item(1), item(2), item(3)];
    q.push(a);
    q.push(b);
    q.push(c);
    expect(q.remove(b)).toBe(true);
    expect(q.remove(b)).toBe(false);
    expect(q.size).toBe(2);
    expect(q.shift()?.id).toBe(1);
    expect(q.head?.id).toBe(3);
    expect(q.shift()?.id).toBe(3);
    expect(q.shift()).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('behaves like an array under random push, shift and remove', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const) }),
      fc.record({ kind: fc.constant('shift' as const) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const q = new WaitQueue<Item>();
        const model: Item[] = [];
        const everything: Item[] = [];
        let nextId = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const it = item(nextId++);
            everything.push(it);
            q.push(it);
            model.push(it);
          } else if (o.kind === 'shift') {
            expect(q.shift()).toBe(model.shift());
          } else if (everything.length > 0) {
            const target = everything[o.index % everything.length]!;
            const at = model.indexOf(target);
            expect(q.remove(target)).toBe(at >= 0);
            if (at >= 0) model.splice(at, 1);
          }
          expect(q.size).toBe(model.length);
          expect(q.toArray().map((i) => i.id)).toEqual(model.map((i) => i.id));
        }
      }),
      { numRuns: 500 },
    );
  });
});
