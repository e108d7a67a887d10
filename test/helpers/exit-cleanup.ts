/**
 * Last-resort cleanup of host objects when a test process ends without running its own
 * `finally` (an uncaught error, `process.exit`, SIGINT/SIGTERM from the test runner's timeout).
 * Handlers run synchronously, so they use spawnSync: this is test infrastructure, not a host
 * command of the product. SIGKILL cannot be caught; the leak guard of the next run reports it.
 */
import { spawnSync } from "node:child_process";

type SyncCleanup = () => void;

/** Options of onExitCleanup. */
export interface ExitCleanupOptions {
  /**
   * What is cleaned up, e.g. `netns t1ab-node1`. When set, finding it still pending at a normal
   * exit means the test forgot its cleanup: a line on stderr, and the process exits non-zero
   * (the test runner then fails the file), because tests must stop what they start.
   */
  readonly leakName?: string;
}

const pending = new Map<SyncCleanup, ExitCleanupOptions>();
let installed = false;

function runAll(): void {
  for (const fn of [...pending.keys()].reverse()) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // Best effort at exit: one failed cleanup must not stop the others.
    }
  }
}

function onExit(): void {
  const leaked = [...pending.values()].flatMap((o) => (o.leakName ? [o.leakName] : []));
  if (leaked.length > 0) {
    process.stderr.write(`test harness: not cleaned up by the test (removed at exit): ${leaked.join(", ")}\n`);
    process.exitCode = 1;
  }
  runAll();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      runAll();
      // Re-raise with the default action so the exit status still says "killed by signal".
      process.kill(process.pid, sig);
    });
  }
}

/**
 * Registers `fn` to run synchronously if the process exits (or gets SIGINT/SIGTERM/SIGHUP)
 * before `release()` is called. Returns `release`, to call once the normal (async) cleanup
 * has done the job.
 */
export function onExitCleanup(fn: SyncCleanup, opts: ExitCleanupOptions = {}): () => void {
  install();
  pending.set(fn, opts);
  return () => {
    pending.delete(fn);
  };
}

/** Runs argv synchronously, ignoring the outcome: for exit handlers only. */
export function runSyncQuiet(argv: readonly [string, ...string[]]): number | null {
  const [file, ...args] = argv;
  return spawnSync(file, args, { stdio: "ignore", timeout: 10_000 }).status;
}

/** Kills (SIGKILL) every process inside network namespace `ns`, then deletes it; synchronous. */
export function deleteNetnsSync(ns: string): void {
  const r = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8", timeout: 10_000 });
  for (const pid of (r.stdout ?? "").split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  runSyncQuiet(["ip", "netns", "del", ns]);
}
