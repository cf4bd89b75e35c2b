/**
 * Bounded LRU on a Map (insertion order = recency). A hit re-inserts the entry; inserting past
 * the capacity evicts the least recently used one.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Drops every entry whose value matches (a full scan: for rare events, not per request). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, value] of this.map) if (matches(value)) this.map.delete(key);
  }
}
