import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";
import { describe, expect, it } from "vitest";

// Users run the Node the README names (the root package.json's engines): every package the
// lockfile installs must accept it, so `npm ci` never warns EBADENGINE and nothing runs on a
// Node it refuses.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

describe("engines", () => {
  const root = json("package.json") as { engines: { node: string } };
  const minimum = semver.minVersion(root.engines.node)!.version;

  it("the README names the same Node as package.json", () => {
    const named = minimum.replace(/\.0$/, "");
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(`**Node.js ≥ ${named}**`);
    expect(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim()).toMatch(
      new RegExp(`^v?${named.split(".")[0]}`),
    );
  });

  it(`every package in package-lock.json accepts Node ${minimum}`, () => {
    const lock = json("package-lock.json") as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === "" || !range) continue;
      if (!semver.satisfies(minimum, range, { includePrerelease: true }))
        refusing.push(`${path}@${entry.version}: node ${range}`);
    }
    expect(refusing).toEqual([]);
  });
});
