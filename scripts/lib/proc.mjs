// Child processes for the start and test commands: one-shot commands and long-running
// services, each in its own process group so that stopping it stops everything it spawned
// (tsx, next, npm all start grandchildren). Node built-ins only.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { c, step, warn } from "./log.mjs";
import { RESTART_POLICY, RestartTracker, restartMessage } from "./restart-policy.mjs";

const POSIX = process.platform !== "win32";

/** Every process group we started and have not seen finish: killed if we exit abruptly. */
const live = new Set();
/** The one-shot commands (run()) among them. */
const oneShots = new Set();

process.on("exit", () => {
  for (const pid of live) signalGroup(pid, "SIGKILL");
});

/** Sends a signal to a child's whole process group (falls back to the pid alone). */
export function signalGroup(/** @type {number} */ pid, /** @type {NodeJS.Signals} */ signal) {
  try {
    process.kill(POSIX ? -pid : pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** True while any process of the group `pid` is alive. */
export function groupAlive(/** @type {number} */ pid) {
  try {
    process.kill(POSIX ? -pid : pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
  }
}

/**
 * Splits a stream into lines and hands each complete line to `onLine`.
 * @param {NodeJS.ReadableStream} stream
 * @param {(line: string) => void} onLine
 */
function eachLine(stream, onLine) {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (/** @type {string} */ chunk) => {
    pending += chunk;
    let index;
    while ((index = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, index).replace(/\r$/, ""));
      pending = pending.slice(index + 1);
    }
  });
  stream.on("end", () => {
    if (pending) onLine(pending);
    pending = "";
  });
}

/**
 * @typedef {object} RunOptions
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]
 * @property {"inherit" | "capture" | "prefix" | "quiet"} [output]
 *   inherit: the child writes to our terminal; capture: stdout collected (stderr shown);
 *   prefix: lines shown with a label; quiet: collected, shown only by the caller.
 * @property {string} [label]
 */

/**
 * Runs a command to completion in its own process group.
 * @param {string} command
 * @param {string[]} args
 * @param {RunOptions} [options]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>}
 */
export function run(command, args, options = {}) {
  const output = options.output ?? "inherit";
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: POSIX,
      stdio: output === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    });
    if (child.pid) {
      live.add(child.pid);
      oneShots.add(child.pid);
    }
    let stdout = "";
    let stderr = "";
    if (output !== "inherit") {
      const label = options.label ? `${c.gray(options.label)} ${c.gray("│")} ` : "";
      child.stdout?.setEncoding("utf8");
      child.stdout?.on("data", (chunk) => {
        stdout += chunk;
        if (output === "prefix") writeLines(process.stdout, label, chunk);
      });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk) => {
        stderr += chunk;
        if (output === "prefix" || output === "capture") writeLines(process.stderr, label, chunk);
      });
    }
    const forget = () => {
      if (child.pid) {
        live.delete(child.pid);
        oneShots.delete(child.pid);
      }
    };
    child.on("error", (error) => {
      forget();
      reject(error);
    });
    child.on("close", (code, signal) => {
      forget();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function writeLines(
  /** @type {NodeJS.WriteStream} */ stream,
  /** @type {string} */ label,
  /** @type {string} */ chunk,
) {
  if (!label) return void stream.write(chunk);
  const text = chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk;
  stream.write(
    text
      .split("\n")
      .map((line) => label + line)
      .join("\n") + "\n",
  );
}

/** Kills every one-shot command still running (used on Ctrl-C during setup). */
export function killAllRunning(/** @type {NodeJS.Signals} */ signal = "SIGTERM") {
  for (const pid of oneShots) signalGroup(pid, signal);
}

const COLORS = /** @type {const} */ (["cyan", "magenta", "green", "yellow", "blue"]);

/**
 * @typedef {object} ServiceOptions
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]
 * @property {number} [stopTimeoutMs] how long a stop waits after SIGTERM before SIGKILL
 *   (default 10 s; a service with a longer shutdown deadline of its own says so here)
 */

/**
 * @typedef {object} Service
 * @property {string} name
 * @property {import("node:child_process").ChildProcess} child the current process (a restart replaces it)
 * @property {boolean} exited whether the current process has exited
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {string[]} tail its last 40 output lines
 * @property {boolean} expected its exit was asked for (a stop)
 * @property {boolean} restartOnCrash set by restartOnCrash(): a crash restarts it
 * @property {number} starts how many times it was started
 * @property {RestartTracker} tracker
 * @property {NodeJS.Timeout | undefined} restartTimer a restart waiting for its delay
 * @property {{ command: string, args: string[], options: ServiceOptions, label: string }} spec
 */

/**
 * Starts and stops the long-running services, each in its own process group, with every
 * output line prefixed by the service's name. A service handed to restartOnCrash() is
 * restarted when it exits unexpectedly, after a delay that backs off (restart-policy.mjs),
 * until it crash-loops; then onCrashLoop is called and it stays down.
 */
export class Supervisor {
  /** @type {Service[]} */
  services = [];
  stopping = false;
  labelWidth = 8;

  /**
   * @param {{
   *   onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void,
   *   onCrashLoop?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void,
   *   policy?: import("./restart-policy.mjs").RestartPolicy,
   * }} [options]
   */
  constructor(options = {}) {
    this.onUnexpectedExit = options.onUnexpectedExit;
    this.onCrashLoop = options.onCrashLoop;
    this.policy = options.policy ?? RESTART_POLICY;
  }

  /**
   * @param {string} name
   * @param {string} command
   * @param {string[]} args
   * @param {ServiceOptions} [options]
   * @returns {Service}
   */
  start(name, command, args, options = {}) {
    const color = c[COLORS[this.services.length % COLORS.length] ?? "cyan"];
    const label = `${color(name.padEnd(this.labelWidth))} ${c.gray("│")} `;
    /** @type {Service} */
    const service = {
      name,
      child: /** @type {any} */ (undefined),
      exited: false,
      code: null,
      signal: null,
      tail: [],
      expected: false,
      restartOnCrash: false,
      starts: 0,
      tracker: new RestartTracker(this.policy),
      restartTimer: undefined,
      spec: { command, args, options, label },
    };
    this.services.push(service);
    this.#spawn(service);
    return service;
  }

  /** From now on, an unexpected exit of `service` restarts it (with backoff). */
  restartOnCrash(/** @type {Service} */ service) {
    service.restartOnCrash = true;
  }

  /** Starts (or restarts) the service's process. */
  #spawn(/** @type {Service} */ service) {
    const { command, args, options, label } = service.spec;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: POSIX,
      stdio: ["ignore", "pipe", "pipe"],
    });
    service.child = child;
    service.exited = false;
    service.code = null;
    service.signal = null;
    service.starts += 1;
    service.tracker.started(Date.now());
    if (child.pid) live.add(child.pid);
    const onLine = (/** @type {NodeJS.WriteStream} */ stream) => (/** @type {string} */ line) => {
      service.tail.push(line);
      if (service.tail.length > 40) service.tail.shift();
      stream.write(label + line + "\n");
    };
    if (child.stdout) eachLine(child.stdout, onLine(process.stdout));
    if (child.stderr) eachLine(child.stderr, onLine(process.stderr));
    let done = false;
    const markExited = (
      /** @type {number|null} */ code,
      /** @type {NodeJS.Signals|null} */ signal,
    ) => {
      if (done) return;
      done = true;
      service.exited = true;
      service.code = code;
      service.signal = signal;
      if (this.stopping || service.expected) return;
      this.#onCrash(service, code, signal);
    };
    child.on("error", (error) => {
      service.tail.push(String(error.message));
      markExited(null, null);
    });
    child.on("exit", markExited);
  }

  /**
   * @param {Service} service
   * @param {number | null} code
   * @param {NodeJS.Signals | null} signal
   */
  #onCrash(service, code, signal) {
    const pid = service.child.pid;
    if (pid !== undefined) {
      // what the crashed process spawned would hold its port against the restart
      signalGroup(pid, "SIGKILL");
      live.delete(pid);
    }
    if (!service.restartOnCrash) {
      this.onUnexpectedExit?.(service.name, code, signal);
      return;
    }
    const decision = service.tracker.crashed(Date.now());
    if (!decision.restart) {
      this.onCrashLoop?.(service.name, code, signal);
      return;
    }
    warn(restartMessage(service.name, code, signal, decision, this.policy));
    service.restartTimer = setTimeout(() => {
      service.restartTimer = undefined;
      if (this.stopping || service.expected) return;
      step(`Restarting ${service.name} (start ${service.starts + 1})…`);
      this.#spawn(service);
    }, decision.delayMs);
  }

  /** The pids (= process group ids) of the services' current processes. */
  pids() {
    return this.services.map((s) => s.child.pid).filter((pid) => pid !== undefined);
  }

  /**
   * Stops one service's process group: SIGTERM, then SIGKILL after `timeoutMs`. A restart
   * waiting for its delay is called off.
   * @param {Service} service
   * @param {number} [timeoutMs] default: the service's stopTimeoutMs, else 10 s
   */
  async stopService(service, timeoutMs) {
    const limit = timeoutMs ?? service.spec.options.stopTimeoutMs ?? 10_000;
    service.expected = true;
    clearTimeout(service.restartTimer);
    service.restartTimer = undefined;
    const pid = service.child.pid;
    if (pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + limit;
    while ((!service.exited || groupAlive(pid)) && Date.now() < deadline) await sleep(100);
    if (!service.exited || groupAlive(pid)) {
      signalGroup(pid, "SIGKILL");
      const hardDeadline = Date.now() + 3_000;
      while ((!service.exited || groupAlive(pid)) && Date.now() < hardDeadline) await sleep(50);
    }
    live.delete(pid);
  }

  /**
   * Stops every service (in reverse start order, concurrently).
   * @param {number} [timeoutMs] default: each service's own (see stopService)
   */
  async stopAll(timeoutMs) {
    this.stopping = true;
    await Promise.all([...this.services].reverse().map((s) => this.stopService(s, timeoutMs)));
  }

  /** Kills every service at once (a second Ctrl-C). */
  killAll() {
    this.stopping = true;
    for (const service of this.services) clearTimeout(service.restartTimer);
    for (const pid of this.pids()) signalGroup(pid, "SIGKILL");
  }
}
