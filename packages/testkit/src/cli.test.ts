import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("cli", () => {
  it("prints its URL, serves, and exits cleanly on SIGTERM", async () => {
    // `node --import tsx` is what `tsx src/cli.ts` runs, without tsx's extra watcher process
    const child = spawn(process.execPath, ["--import", "tsx", cli], {
      env: { ...process.env, FAKE_PROVIDER_PORT: "0", FAKE_PROVIDER_LATENCY_MS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line.toString())?.[0];
      expect(url).toBeDefined();
      expect(line.toString().trim().split("\n")).toHaveLength(1);

      const models = await fetch(`${url}/v1/models`);
      expect(models.status).toBe(200);

      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("refuses a bad setting with a one-line message", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", cli], {
      env: { ...process.env, FAKE_PROVIDER_PORT: "http" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "fake provider: FAKE_PROVIDER_PORT must be an integer >= 0, got 'http'",
    );
  });
});
