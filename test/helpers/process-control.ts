/**
 * Starting and stopping the servers the harness runs (nats-server...): wait for a readiness
 * line in their output, stop by pid and wait for the exit. Spawning here is test
 * infrastructure, not a host command of the product, so node:child_process is used directly,
 * always with an argv array.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { PrerequisiteMissingError, ServerStartError } from "./errors.js";
import { onExitCleanup } from "./exit-cleanup.js";

/** A started server process and everything it printed so far. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr, interleaved. */
  readonly output: () => string;
}

/** Throws PrerequisiteMissingError when `path` is not an executable file. */
export function requireExecutable(path: string, hint: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    throw new PrerequisiteMissingError({ path, hint }, { cause: e });
  }
}

/** The path of `name` on PATH (or /usr/sbin, /sbin); throws PrerequisiteMissingError when absent. */
export function findExecutable(name: string, hint: string): string {
  const dirs = [...(process.env["PATH"] ?? "").split(":"), "/usr/sbin", "/sbin"].filter(Boolean);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  throw new PrerequisiteMissingError({ path: name, hint });
}

/** Kills `child` at exit if the test never stopped it, naming it as a leak (onExitCleanup). */
function killAtExit(child: ChildProcess, what: string): void {
  const release = onExitCleanup(
    () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    { leakName: `${what} pid ${child.pid}` },
  );
  child.once("exit", release);
}

/** Lets the test process exit while `child` runs: a forgotten server must not hang the test. */
function unrefAll(child: ChildProcess): void {
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
}

/**
 * Spawns argv and resolves once its output matches `ready` (the match is returned).
 * Throws ServerStartError (after killing it) if it exits first or `timeoutMs` passes.
 */
export function spawnUntilReady(opts: {
  argv: readonly [string, ...string[]];
  ready: RegExp;
  what: string;
  timeoutMs?: number;
}): Promise<{ proc: ServerProcess; match: RegExpMatchArray }> {
  const [file, ...args] = opts.argv;
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const proc: ServerProcess = { child, pid: child.pid ?? -1, output: () => out };
  killAtExit(child, opts.what);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new ServerStartError({ what: opts.what, reason, log: out }, cause ? { cause } : undefined));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, sig: string | null): void => fail(`exited (code ${code}, signal ${sig})`);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = out.match(opts.ready);
      if (!m || settled) return;
      settled = true;
      clearTimeout(timer);
      unrefAll(child);
      child.off("exit", onExit);
      resolve({ proc, match: m });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", (e) => fail("spawn failed", e));
  });
}

/** Sends `signal` to the process and waits until it has exited; SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** True when a process with this pid runs; a zombie does not count (the agent's own check). */
export { isAlive } from "../../node-agent/host/process-liveness.js";
