import { defineProject } from "vitest/config";

// Vitest 5's reporter calls Map.groupBy (Node >= 21) when it prints failures; on Node 20 the
// failure report itself would crash. This config file is loaded in the main process.
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

export default defineProject({
  test: {
    name: "proxy",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // the integration tests share Redis db 2 and its usage queue: one file at a time
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
