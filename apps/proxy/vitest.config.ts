import { defineProject } from "vitest/config";

// running from this folder (npm test -w): the same Node 20 fix as the root config
import "../../vitest.node20";

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
