import { defineConfig } from "vitest/config";

// One project per package; each package's own vitest.config.ts names it (test.name).
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "scripts/vitest.config.ts"],
  },
});
