import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// Plain .mjs scripts (start/test commands, build scripts, bench) run on Node: declare its globals.
const nodeGlobals = Object.fromEntries(
  [
    "process", "console", "Buffer", "URL", "URLSearchParams", "fetch", "performance",
    "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate",
    "queueMicrotask", "structuredClone", "AbortController", "TextEncoder", "TextDecoder",
  ].map((name) => [name, "readonly"]),
);

// The proxy's leaf modules take explicit inputs and return results; only pipeline/ knows the
// request (RequestContext), so a leaf never imports pipeline/ — not even a type. The globs start
// with **/ so scripts/checks.test.ts can prove the rule on a fixture tree of the same shape.
const PROXY_LEAVES = [
  "limits", "usage", "translate", "tokens", "upstream", "config", "prompts", "routing",
];
const proxyLayers = {
  files: ["**/apps/proxy/src/**/*.ts"],
  plugins: { "import-x": importX },
  settings: {
    "import-x/resolver-next": [
      createTypeScriptImportResolver({
        project: `${import.meta.dirname}/apps/proxy/tsconfig.json`,
        noWarnOnMultipleProjects: true,
      }),
    ],
  },
  rules: {
    "import-x/no-restricted-paths": [
      "error",
      {
        basePath: import.meta.dirname,
        zones: [
          {
            target: PROXY_LEAVES.map((leaf) => `**/apps/proxy/src/${leaf}/**`),
            from: "**/apps/proxy/src/pipeline/**",
            message:
              "A leaf module (limits, usage, translate, tokens, upstream, config, prompts, routing) must not import pipeline/: take the values it needs as arguments (issue 13).",
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**", "**/dist/**", "**/.next/**", "**/.next-*/**", "**/generated/**", "**/next-env.d.ts",
      "bench/node_modules/**", "bench/.build/**", "**/artifacts/**",
      // deliberately broken code that scripts/checks.test.ts lints on purpose
      "scripts/checks-fixtures/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  { files: ["**/*.mjs", "**/*.js"], languageOptions: { globals: nodeGlobals } },
  proxyLayers,
);
