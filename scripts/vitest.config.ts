import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "scripts",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    environment: "node",
    // the end-to-end test starts the whole system (migrations, seed, four processes)
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
