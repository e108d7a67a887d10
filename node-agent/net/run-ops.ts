/**
 * Executes planned ops through the HostRunner: batches them (opsToCommands), runs each batch
 * checked, and maps the kernel's "Unknown device type" to UnsupportedLinkTypeError.
 */
import { CommandFailedError } from "../host/errors.js";
import type { HostRunner } from "../host/host-runner.js";
import { runChecked } from "../host/host-runner.js";
import { IdInUseError, UnsupportedLinkTypeError } from "./errors.js";
import type { Op } from "./ops.js";
import { opsToCommands } from "./ops.js";

/**
 * Runs `ops` in batches, in order; stops at the first failing batch.
 * Throws CommandFailedError (transient or host problem: the next apply re-plans from the host),
 * UnsupportedLinkTypeError (the kernel lacks a link type: terminal on this node), IdInUseError
 * (another network's VXLAN link has the same VNI: terminal until one of them changes), or the
 * runner's abort error when `signal` fires. A partial run is safe: planning is level-based.
 */
export async function runOps(runner: HostRunner, ops: readonly Op[], opts: { signal?: AbortSignal; mountNsPid?: number } = {}): Promise<void> {
  const signal = opts.signal;
  const conv = opts.mountNsPid !== undefined ? { mountNsPid: opts.mountNsPid } : {};
  for (const command of opsToCommands(ops, conv)) {
    try {
      await runChecked(runner, command, signal ? { signal } : {});
    } catch (e: unknown) {
      if (e instanceof CommandFailedError && e.stderr.includes("Unknown device type")) {
        const vlan = ops.some((o) => o.tool === "ip" && / type vlan /.test(o.line));
        throw new UnsupportedLinkTypeError(vlan ? "802.1Q VLAN" : "this", { cause: e });
      }
      if (e instanceof CommandFailedError && e.stderr.includes("VXLAN device with the specified VNI already exists")) {
        throw new IdInUseError("a VXLAN link with this VNI already exists on the node: another network uses the same spec.id", { cause: e });
      }
      throw e;
    }
  }
}
