import { afterEach, describe, expect, it, vi } from "vitest";
import { Supervisor } from "./proc.mjs";
import { freePort, httpGet } from "./net.mjs";

// The supervisor of `npm start` with real processes standing in for the services: small HTTP
// servers that answer with their pid. A SIGKILLed one comes back (after killing what it had
// spawned, which would hold its port), the others keep answering, the terminal says why; one
// that keeps crashing is given up on; Ctrl-C during a restart's delay calls the restart off.

/** An HTTP server on $PORT answering its own pid. */
const SERVER = `require("node:http").createServer((q, r) => r.end(String(process.pid)))
  .listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));`;
/** A parent that runs SERVER as its child (like tsx or next do), then just waits. */
const PARENT = `require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(SERVER)}], { stdio: "inherit" });
  setInterval(() => {}, 1000);`;

/** Quick delays so the test does not wait long; the policy's arithmetic has its unit test. */
const POLICY = {
  firstDelayMs: 50,
  maxDelayMs: 200,
  stableAfterMs: 60_000,
  maxCrashes: 3,
  windowMs: 60_000,
};

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stopAll(2_000);
  supervisor = undefined;
  vi.restoreAllMocks();
});

/** Everything the supervisor writes to the terminal. */
function captureTerminal(): () => string {
  let text = "";
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((
      chunk: string | Uint8Array,
      ...rest: never[]
    ) => {
      text += String(chunk);
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
  return () => text;
}

async function until<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const answer = async (port: number) => (await httpGet(`http://127.0.0.1:${port}/`)).body;

describe("Supervisor", () => {
  it("restarts a SIGKILLed service while the others keep answering, and says why", async () => {
    const terminal = captureTerminal();
    const unexpected: string[] = [];
    supervisor = new Supervisor({
      policy: POLICY,
      onUnexpectedExit: (name) => unexpected.push(name),
    });
    const [portA, portB] = [await freePort(), await freePort()];
    const a = supervisor.start("a", process.execPath, ["-e", PARENT], {
      env: { ...process.env, PORT: String(portA) },
    });
    const b = supervisor.start("b", process.execPath, ["-e", SERVER], {
      env: { ...process.env, PORT: String(portB) },
    });
    const firstA = await until("a to answer", () => answer(portA));
    const pidB = await until("b to answer", () => answer(portB));
    supervisor.restartOnCrash(a);
    supervisor.restartOnCrash(b);

    // only the parent: its child (the one listening) must not outlive it and block the port
    const parentPid = a.child.pid as number;
    process.kill(parentPid, "SIGKILL");
    const secondA = await until("a to answer again", async () => {
      const body = await answer(portA);
      return body !== firstA ? body : undefined;
    });
    expect(a.starts).toBe(2);
    expect(a.child.pid).not.toBe(parentPid);
    expect(secondA).not.toBe(firstA);
    // b was not touched
    expect(await answer(portB)).toBe(pidB);
    expect(b.starts).toBe(1);
    expect(unexpected).toEqual([]);
    expect(terminal()).toContain(
      "a exited unexpectedly (killed by SIGKILL); restarting it in 50 ms (crash 1 of 3 within 1 min",
    );
    expect(terminal()).toContain("Restarting a (start 2)");

    await supervisor.stopAll(2_000);
    await expect(answer(portA)).rejects.toThrow();
    await expect(answer(portB)).rejects.toThrow();
  });

  it("gives up on a service that keeps crashing and tells the caller", async () => {
    captureTerminal();
    const loops: Array<[string, number | null, NodeJS.Signals | null]> = [];
    supervisor = new Supervisor({
      policy: POLICY,
      onCrashLoop: (name, code, signal) => loops.push([name, code, signal]),
    });
    const broken = supervisor.start("broken", process.execPath, [
      "-e",
      "setTimeout(() => process.exit(3), 100)",
    ]);
    supervisor.restartOnCrash(broken);
    await until("the crash loop", () => loops.length > 0);
    expect(loops).toEqual([["broken", 3, null]]);
    expect(broken.starts).toBe(POLICY.maxCrashes);
    // stays down: no restart pending
    expect(broken.exited).toBe(true);
    expect(broken.restartTimer).toBeUndefined();
  });

  it("reports a crash before restartOnCrash() as an unexpected exit, without restarting", async () => {
    captureTerminal();
    const unexpected: Array<[string, number | null]> = [];
    supervisor = new Supervisor({
      policy: POLICY,
      onUnexpectedExit: (name, code) => unexpected.push([name, code]),
    });
    const early = supervisor.start("early", process.execPath, ["-e", "process.exit(2)"]);
    await until("the exit", () => unexpected.length > 0);
    expect(unexpected).toEqual([["early", 2]]);
    expect(early.starts).toBe(1);
    expect(early.restartTimer).toBeUndefined();
  });

  it("calls off a restart that is waiting for its delay when everything stops", async () => {
    const terminal = captureTerminal();
    supervisor = new Supervisor({
      policy: { ...POLICY, firstDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const port = await freePort();
    const service = supervisor.start("slow", process.execPath, ["-e", SERVER], {
      env: { ...process.env, PORT: String(port) },
    });
    await until("it to answer", () => answer(port));
    supervisor.restartOnCrash(service);
    process.kill(service.child.pid as number, "SIGKILL");
    await until("the restart to be scheduled", () => service.restartTimer !== undefined);
    expect(terminal()).toContain("restarting it in 1 min");
    await supervisor.stopAll(2_000);
    expect(service.restartTimer).toBeUndefined();
    expect(service.starts).toBe(1);
  });
});
