/**
 * A HostRunner decorator giving every command without its own timeout a default one. nodectl
 * must answer while parts of the node are down: an `rbd ls` against unreachable monitors would
 * otherwise wait for minutes (issue #8: "works when everything else is down").
 */
import type { Command, HostRunner, RunOptions, RunResult } from "../host/host-runner.js";

/** Default for nodectl's host reads. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

/** Runs through `inner`, adding `timeoutMs` to commands that have none. */
export class TimeoutRunner implements HostRunner {
  readonly #inner: HostRunner;
  readonly #timeoutMs: number;

  constructor(inner: HostRunner, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS) {
    this.#inner = inner;
    this.#timeoutMs = timeoutMs;
  }

  run(cmd: Command, opts?: RunOptions): Promise<RunResult> {
    return this.#inner.run(cmd.timeoutMs === undefined ? { ...cmd, timeoutMs: this.#timeoutMs } : cmd, opts);
  }
}
