import { defineProject } from "vitest/config";

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
