import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const here = path.dirname(fileURLToPath(import.meta.url));

const config: NextConfig = {
  // Lets parallel checkouts of the same tree build side by side (GATEHOUSE_NEXT_DIST_DIR=.next-a).
  distDir: process.env.GATEHOUSE_NEXT_DIST_DIR ?? ".next",
  // A self-contained server (.next/standalone) for the Docker image.
  output: "standalone",
  // Trace files from the monorepo root so workspace packages land in the standalone output.
  outputFileTracingRoot: path.join(here, "../.."),
  turbopack: {
    root: path.join(here, "../.."),
  },
  // Workspace packages export TypeScript source; Next compiles them with the app.
  transpilePackages: ["@gatehouse/db", "@gatehouse/shared"],
  // Node-only drivers are required at runtime instead of bundled (pg and @prisma/client are
  // on Next's built-in list already); recheck (the custom-pattern ReDoS check) resolves its
  // native checker and worker script at runtime.
  serverExternalPackages: ["@prisma/adapter-pg", "ioredis", "bcryptjs", "bullmq", "recheck"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
