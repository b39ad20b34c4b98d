/**
 * A binary min-heap under `before(a, b)` (true when `a` comes out first). Push and pop are
 * O(log n); pushing an item that comes out after every other (the FIFO case) costs one comparison.
 */
export class BinaryHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The item that comes out next, without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  pop(): T | undefined {
    const { items } = this;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) this.siftDown(0, last);
    return top;
  }

  /** Takes out the first item that matches (O(n): for the rare cancel); returns it. */
  remove(matches: (item: T) => boolean): T | undefined {
    const { items } = this;
    const index = items.findIndex(matches);
    if (index < 0) return undefined;
    const found = items[index];
    const last = items.pop() as T;
    if (index < items.length) {
      this.siftDown(index, last);
      // The moved item may belong above its new place as well as below it.
      this.siftUp(index);
    }
    return found;
  }

  /** Every item, in no particular order (a read-only view: do not change it). */
  values(): readonly T[] {
    return this.items;
  }

  /** Empties the heap and returns its items, in no particular order. */
  clear(): T[] {
    return this.items.splice(0);
  }

  private siftUp(start: number): void {
    const { items, before } = this;
    const item = items[start];
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  private siftDown(start: number, item: T): void {
    const { items, before } = this;
    const n = items.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right], items[left]) ? right : left;
      if (!before(items[child], item)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = item;
  }
}
