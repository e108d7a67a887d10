/**
 * The only module in node-agent that spawns processes. Each argv element is passed to zx,
 * which quotes it: no shell string is ever built from manifest data.
 */
import { $ } from "zx/core";
import type { Logger } from "pino";
import { linkedAbort } from "../../schemas/abort-link.js";
import type { Command, HostRunner, RunOptions, RunResult } from "./host-runner.js";

/** Options of the real runner. */
export interface ZxRunnerOptions {
  /** Run every command inside this network namespace (`ip netns exec NS ...`): how tests make a netns a node. */
  readonly netns?: string;
  /** One debug line per command: `{ argv, exitCode, durationMs }`. */
  readonly log?: Logger;
}

/** Runs commands on the real host through zx with `nothrow`. */
export class ZxRunner implements HostRunner {
  readonly #netns: string | undefined;
  readonly #log: Logger | undefined;

  constructor(opts: ZxRunnerOptions = {}) {
    this.#netns = opts.netns;
    this.#log = opts.log;
  }

  async run(cmd: Command, opts: RunOptions = {}): Promise<RunResult> {
    const argv = this.#netns ? ["ip", "netns", "exec", this.#netns, ...cmd.argv] : [...cmd.argv];
    const started = performance.now();
    // zx and child_process each add an abort listener to the signal they get: give them this
    // command's own signal, linked to the caller's by one shared listener (issue #11).
    const link = opts.signal ? linkedAbort(opts.signal) : undefined;
    let out;
    try {
      out = await $({
        nothrow: true,
        quiet: true,
        verbose: false,
        ...(link ? { signal: link.signal } : {}),
        ...(cmd.stdin !== undefined ? { input: cmd.stdin } : {}),
        ...(cmd.timeoutMs !== undefined ? { timeout: cmd.timeoutMs } : {}),
      })`${argv}`;
    } finally {
      link?.dispose();
    }
    const res: RunResult = {
      exitCode: out.exitCode ?? -1,
      stdout: out.stdout,
      stderr: out.stderr,
      durationMs: Math.round(performance.now() - started),
    };
    this.#log?.debug({ argv, exitCode: res.exitCode, durationMs: res.durationMs }, "host command");
    return res;
  }
}
