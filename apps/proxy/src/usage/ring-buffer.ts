/**
 * Fixed-capacity FIFO. Pushing into a full buffer overwrites the oldest item (and says so), so
 * the buffer stays bounded in O(1) while Redis is down.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Returns true when the oldest item was dropped to make room. */
  push(item: T): boolean {
    const cap = this.capacity;
    if (this.count === cap) {
      this.items[this.head] = item;
      this.head = (this.head + 1) % cap;
      return true;
    }
    this.items[(this.head + this.count) % cap] = item;
    this.count++;
    return false;
  }

  /** Removes and returns up to n of the oldest items. */
  shift(n: number): T[] {
    const take = Math.min(n, this.count);
    const out = new Array<T>(take);
    const cap = this.capacity;
    for (let i = 0; i < take; i++) {
      const idx = (this.head + i) % cap;
      out[i] = this.items[idx]!;
      this.items[idx] = undefined;
    }
    this.head = (this.head + take) % cap;
    this.count -= take;
    return out;
  }

  /** Puts items back at the front (a batch that failed to enqueue), dropping the oldest of
   * them if the buffer filled up meanwhile. Returns how many were dropped. */
  unshift(batch: readonly T[]): number {
    const cap = this.capacity;
    const room = cap - this.count;
    const keep = Math.min(room, batch.length);
    const dropped = batch.length - keep;
    // the newest `keep` items of the batch go back in front of everything buffered since
    for (let i = batch.length - 1; i >= dropped; i--) {
      this.head = (this.head - 1 + cap) % cap;
      this.items[this.head] = batch[i];
      this.count++;
    }
    return dropped;
  }
}
