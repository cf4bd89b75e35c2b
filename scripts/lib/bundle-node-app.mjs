// Bundles a Node app (proxy, worker) from src/main.ts into dist/main.js. Workspace packages
// (@gatehouse/*) export TypeScript source, so they are bundled; every other bare import
// (node_modules packages and node: builtins) stays external and is resolved by Node at run time.
import { build } from "esbuild";

/** @param {{ logLevel?: import("esbuild").LogLevel }} [options] */
export async function bundleNodeApp({ logLevel = "warning" } = {}) {
  await build({
    entryPoints: ["src/main.ts"],
    outfile: "dist/main.js",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    plugins: [
      {
        name: "external-node-modules",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@gatehouse/") ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
    logLevel,
  });
}
