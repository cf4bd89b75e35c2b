// Vitest 5 prints failures with Map.groupBy, which Node 20 lacks (Node ≥ 21 has it). Without
// this, a failing test shows up only as a count. Imported by the vitest config files, which run
// in vitest's main process, where the reporters run.
const MapWithGroupBy = Map as unknown as { groupBy?: unknown };
if (typeof MapWithGroupBy.groupBy !== "function") {
  MapWithGroupBy.groupBy = <K, V>(
    items: Iterable<V>,
    keyOf: (item: V, index: number) => K,
  ): Map<K, V[]> => {
    const groups = new Map<K, V[]>();
    let index = 0;
    for (const item of items) {
      const key = keyOf(item, index++);
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
    return groups;
  };
}
export {};
