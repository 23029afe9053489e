/** A node of a `WaitQueue`: the queue links its entries through these fields. */
export interface WaitNode<N extends WaitNode<N>> {
  prev: N | undefined;
  next: N | undefined;
  /** True while the node is in a queue: makes `remove` safe to call twice. */
  queued: boolean;
}

/**
 * A FIFO of waiting calls (bulkhead slots, rate-limit tokens) as an intrusive doubly linked
 * list: `push`, `shift` and `remove` are all O(1), so a long queue costs nothing per release
 * (no `Array.shift` copying) and a waiter whose caller aborts leaves from the middle at once.
 */
export class WaitQueue<N extends WaitNode<N>> {
  #head: N | undefined;
  #tail: N | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The longest-waiting node, without removing it. */
  get head(): N | undefined {
    return this.#head;
  }

  push(node: N): void {
    node.prev = this.#tail;
    node.next = undefined;
    node.queued = true;
    if (this.#tail === undefined) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#size++;
  }

  /** Removes and returns the longest-waiting node. */
  shift(): N | undefined {
    const node = this.#head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Removes `node` wherever it is; returns false when it was no longer queued. */
  remove(node: N): boolean {
    if (!node.queued) return false;
    if (node.prev === undefined) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.queued = false;
    this.#size--;
    return true;
  }

  /** The nodes from head to tail (for tests and snapshots; allocates). */
  toArray(): N[] {
    const out: N[] = [];
    for (let node = this.#head; node !== undefined; node = node.next) out.push(node);
    return out;
  }
}
