import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Plain .mjs scripts (start/test commands, build scripts, bench) run on Node: declare its globals.
const nodeGlobals = Object.fromEntries(
  [
    "process", "console", "Buffer", "URL", "URLSearchParams", "fetch", "performance",
    "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate",
    "queueMicrotask", "structuredClone", "AbortController", "TextEncoder", "TextDecoder",
  ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**", "**/dist/**", "**/.next/**", "**/.next-*/**", "**/generated/**", "**/next-env.d.ts",
      "bench/node_modules/**", "bench/.build/**", "**/artifacts/**",
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
);
