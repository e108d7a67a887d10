/**
 * A real nats-server (Debian package, 2.9.10) for integration tests, after nats.js `nst`:
 * start on 127.0.0.1 with a port the server picks itself (`-p -1`, read back from its log),
 * JetStream stored in a temp dir, stop by pid, remove the dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable, requireExecutable, spawnUntilReady, stopProcess } from "./process-control.js";
import type { ServerProcess } from "./process-control.js";
import { testTag } from "./test-tag.js";
import { onExitCleanup } from "./exit-cleanup.js";

/** Options of startNats. */
export interface NatsOptions {
  /** Enable JetStream (`-js -sd DIR/js`); default true. */
  readonly jetstream?: boolean;
  /** Extra config file text, e.g. `authorization { token: "s3cret" }`. */
  readonly config?: string;
  /** Listen on this port instead of a free one (used by restart()). */
  readonly port?: number;
  /** Use this directory (kept across restart()); default a new temp dir. */
  readonly dir?: string;
  /** Path of the binary; default `nats-server` found on PATH. */
  readonly bin?: string;
}

/** A running nats-server. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Temp dir holding the config and the JetStream store. */
  readonly dir: string;
  /** What the server logged so far. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL), waits for its exit and removes `dir`. */
  stop(): Promise<void>;
  /** Stops the server, keeping `dir`, and starts a new one on the same port and store. */
  restart(): Promise<NatsServer>;
  /** SIGKILLs the server (a crash or power loss) and waits for its exit; `dir` is kept for restart(). */
  crash(): Promise<void>;
}

function natsArgv(opts: NatsOptions, dir: string): [string, ...string[]] {
  const hint = "install the Debian package nats-server";
  const bin = opts.bin ?? findExecutable("nats-server", hint);
  requireExecutable(bin, hint);
  const argv: [string, ...string[]] = [bin, "-a", "127.0.0.1", "-p", String(opts.port ?? -1)];
  if (opts.jetstream ?? true) argv.push("-js", "-sd", join(dir, "js"));
  if (opts.config !== undefined) {
    const conf = join(dir, "nats.conf");
    writeFileSync(conf, opts.config);
    argv.push("-c", conf);
  }
  return argv;
}

/**
 * Starts nats-server and resolves once it accepts clients.
 * Throws PrerequisiteMissingError when the binary is missing (never a skip),
 * ServerStartError when it exits or is not ready within 15 s.
 */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `humops-nats-${testTag()}-`));
  let started: { proc: ServerProcess; match: RegExpMatchArray };
  try {
    started = await spawnUntilReady({
      argv: natsArgv(opts, dir),
      // "Server is ready" follows the client listener line.
      ready: /Listening for client connections on [\d.]+:(\d+)[\s\S]*Server is ready/,
      what: "nats-server",
      timeoutMs: 15_000,
    });
  } catch (e) {
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const port = Number(started.match[1]);
  return natsHandle(started.proc, { ...opts, port, dir });
}

function natsHandle(proc: ServerProcess, opts: NatsOptions & { port: number; dir: string }): NatsServer {
  // At exit: kill the server first (so it cannot write into the store being removed), then
  // remove the store. spawnUntilReady's own exit handler reports the leak.
  const release = onExitCleanup(() => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGKILL");
    rmSync(opts.dir, { recursive: true, force: true });
  });
  return {
    url: `nats://127.0.0.1:${opts.port}`,
    port: opts.port,
    pid: proc.pid,
    dir: opts.dir,
    log: proc.output,
    async stop() {
      await stopProcess(proc.child);
      rmSync(opts.dir, { recursive: true, force: true });
      release();
    },
    async crash() {
      await stopProcess(proc.child, 0, "SIGKILL");
    },
    async restart() {
      await stopProcess(proc.child);
      const next = await startNats(opts);
      release();
      return next;
    },
  };
}
