import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: {
    alias: { "~": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  test: {
    name: "web",
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts"],
    environment: "node",
    // Integration tests each create and migrate a database; browser tests may build the app
    // first (their own hooks raise the limit further).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
