/**
 * The only module in node-agent that spawns processes. The argv array goes to execve as it is
 * (`child_process.spawn` without a shell): no shell string is ever built, no shell quotes
 * anything, and no shell runs at all. A shell in between was not harmless: bash, started with a
 * socket on stdin (how Node connects a child's stdio) and SHLVL unset (as under systemd), takes
 * itself for an rsh/ssh session and sources root's ~/.bashrc before every host command; on a
 * machine whose ~/.bashrc runs `pyenv init`, `humops up`'s commands waited up to 60 s on
 * pyenv's rehash lock.
 *
 * What the result says, as a shell would have said it: exit code 127 and `NAME: command not
 * found` when the program does not exist, 126 when it cannot be executed, -1 when the command
 * was killed (its signal aborted, its timeout passed).
 */
import { spawn } from "node:child_process";
import type { Logger } from "pino";
import { linkedAbort } from "../../schemas/abort-link.js";
import type { Command, HostRunner, RunOptions, RunResult } from "./host-runner.js";

/** Options of the real runner. */
export interface SpawnRunnerOptions {
  /** Run every command inside this network namespace (`ip netns exec NS ...`): how tests make a netns a node. */
  readonly netns?: string;
  /** One debug line per command: `{ argv, exitCode, durationMs }`. */
  readonly log?: Logger;
}

/** Runs commands on the real host; a non-zero exit is data, never a rejection. */
export class SpawnRunner implements HostRunner {
  readonly #netns: string | undefined;
  readonly #log: Logger | undefined;

  constructor(opts: SpawnRunnerOptions = {}) {
    this.#netns = opts.netns;
    this.#log = opts.log;
  }

  async run(cmd: Command, opts: RunOptions = {}): Promise<RunResult> {
    const argv: [string, ...string[]] = this.#netns ? ["ip", "netns", "exec", this.#netns, ...cmd.argv] : [...cmd.argv];
    const started = performance.now();
    // child_process adds an abort listener to the signal it gets: give it this command's own
    // signal, linked to the caller's by one shared listener (issue #11).
    const link = opts.signal ? linkedAbort(opts.signal) : undefined;
    let out: { exitCode: number; stdout: string; stderr: string };
    try {
      out = await spawnCollect(argv, cmd, link?.signal);
    } finally {
      link?.dispose();
    }
    const res: RunResult = { ...out, durationMs: Math.round(performance.now() - started) };
    this.#log?.debug({ argv, exitCode: res.exitCode, durationMs: res.durationMs }, "host command");
    return res;
  }
}

function spawnCollect(argv: [string, ...string[]], cmd: Command, signal: AbortSignal | undefined): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["pipe", "pipe", "pipe"],
      ...(signal ? { signal } : {}),
      ...(cmd.timeoutMs !== undefined ? { timeout: cmd.timeoutMs } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => stdout.push(d));
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    // A command that exits without reading its input must not fail the run with EPIPE.
    child.stdin.on("error", () => undefined);
    if (cmd.stdin !== undefined) child.stdin.end(cmd.stdin);
    // An error before the start (no pid) ends the run at once, as a shell reports it; an error
    // after it (an abort) kills the child, and its close says so.
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      const exitCode = e.name === "AbortError" ? -1 : e.code === "ENOENT" ? 127 : 126;
      resolve({ exitCode, stdout: "", stderr: exitCode === -1 ? "" : `${argv[0]}: ${exitCode === 127 ? "command not found" : e.message}\n` });
    });
    child.on("close", (code, sig) => {
      if (child.pid === undefined) return;
      const text = (b: Buffer[]) => Buffer.concat(b).toString("utf8");
      resolve({ exitCode: sig !== null || code === null ? -1 : code, stdout: text(stdout), stderr: text(stderr) });
    });
  });
}
