import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";

/**
 * The root entry (`@gatehouse/shared`) is imported by the browser bundle of apps/web, so
 * nothing reachable from it may need Node: no node:crypto, no node builtins at all, and
 * nothing from ./server.
 */
const SRC = dirname(fileURLToPath(import.meta.url));
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;

function resolveLocal(fromFile: string, specifier: string): string {
  const base = join(dirname(fromFile), specifier);
  const file = [`${base}.ts`, join(base, "index.ts"), base].find((path) => existsSync(path));
  if (!file) throw new Error(`cannot resolve ${specifier} from ${fromFile}`);
  return file;
}

/** Every local file and every package reachable by static or dynamic import from `entry`. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      if (specifier!.startsWith(".")) pending.push(resolveLocal(file, specifier!));
      else packages.add(specifier!);
    }
  }
  return { files: [...files].map((file) => relative(SRC, file)).sort(), packages: [...packages] };
}

describe("the client-safe root entry", () => {
  const root = importGraph(join(SRC, "index.ts"));

  it("reaches the contract modules and nothing under server/", () => {
    expect(root.files).toContain("prices.ts");
    expect(root.files).toContain("budget-period.ts");
    expect(root.files.filter((file) => file.startsWith("server"))).toEqual([]);
    expect(root.files.filter((file) => file.endsWith(".test.ts"))).toEqual([]);
  });

  it("imports no Node builtin, only zod", () => {
    const builtins = root.packages.filter(
      (name) => name.startsWith("node:") || builtinModules.includes(name.split("/")[0]!),
    );
    expect(builtins).toEqual([]);
    expect(root.packages).toEqual(["zod"]);
  });

  it("is seen to use node:crypto through the server entry (the check above is not blind)", () => {
    const server = importGraph(join(SRC, "server", "index.ts"));
    expect(server.packages).toContain("node:crypto");
  });
});

// If anything reachable from the root entry loads the crypto module at runtime, this throws.
vi.mock("node:crypto", () => {
  throw new Error("node:crypto was imported from the client-safe root entry");
});
vi.mock("crypto", () => {
  throw new Error("crypto was imported from the client-safe root entry");
});

describe("loading the root entry", () => {
  it("works without node:crypto", async () => {
    const shared = await import("./index");
    expect(typeof shared.costNanoUsd).toBe("function");
    expect(typeof shared.findModelPrice).toBe("function");
    expect("generateVirtualKey" in shared).toBe(false);
    expect("encryptSecret" in shared).toBe(false);
  });

  it("fails when node:crypto is reached, so the check above is real", async () => {
    // vitest wraps the factory's error in its own "error when mocking a module" message
    await expect(import("./server/index")).rejects.toThrow(/mock/);
  });
});
