/**
 * Host changes as data. A planner compares what a resource needs with what the host has and
 * returns Op[]: one line per change, each with the reason it is needed (which is also the
 * drift the inventory reports). `opsToCommands` batches them into as few processes as possible:
 * one `ip -batch -` per namespace, one `bridge -batch -`, one `iptables-restore --noflush`.
 */
import type { Command } from "../host/host-runner.js";

/**
 * Where an op runs: its tool decides the batch it joins. `netns-clear` removes a dead
 * `/run/netns` entry (its namespace is gone, see router-driver.ts) before anything is added.
 */
export type OpTool = "netns-clear" | "netns-add" | "ip" | "bridge" | "nat" | "exec" | "netns-del";

/** One host change. */
export interface Op {
  /** Why the change is needed, e.g. `bridge hmb... missing`: reported as drift. */
  readonly why: string;
  readonly tool: OpTool;
  /** The batch line (`link add ...` for ip, `fdb append ...` for bridge, `-A ...` for nat) or a netns name. */
  readonly line: string;
  /** For `ip`: run inside this network namespace (`ip -n NS -batch -`). */
  readonly netns?: string;
  /** For `exec`: the command itself (router nat table, sysctl). */
  readonly command?: Command;
}

/**
 * Prefix of `ip netns add/del`: run them in the mount namespace of process `pid` (the agent).
 * `ip netns add` pins the namespace with a bind mount under /run/netns; a command run by a
 * SpawnRunner with `netns` goes through `ip netns exec`, which gives it a private slave mount
 * namespace where that mount would be invisible to everyone else and vanish with the command.
 * Entering the agent's own mount namespace makes the mount outlive the command; for an agent in
 * the host's mount namespace it changes nothing. (PID 1's namespace may not be readable in a
 * sandbox, the agent's own always is.)
 */
export function mountNsPrefix(pid: number): [string, ...string[]] {
  return ["nsenter", "--target", String(pid), "--mount", "--"];
}

/** Options of opsToCommands. */
export interface OpsToCommandsOptions {
  /** Whose mount namespace `ip netns add/del` run in; default: none (run as is). */
  readonly mountNsPid?: number;
}

/** The nat-table prologue of `iptables-restore --noflush` input. */
function natInput(lines: readonly string[]): string {
  return ["*nat", ...lines, "COMMIT", ""].join("\n");
}

function ipBatches(ops: readonly Op[]): Command[] {
  const groups = new Map<string, string[]>([["", []]]);
  for (const op of ops) {
    if (op.tool !== "ip") continue;
    const key = op.netns ?? "";
    const lines = groups.get(key) ?? [];
    lines.push(op.line);
    groups.set(key, lines);
  }
  return [...groups].filter(([, lines]) => lines.length > 0).map(([ns, lines]) => ({
    argv: ns === "" ? ["ip", "-batch", "-"] : ["ip", "-n", ns, "-batch", "-"],
    stdin: lines.join("\n") + "\n",
  }));
}

/**
 * Turns ops into commands, in this order: dead netns entries removed, netns adds, ip batches (the node's first, then each
 * namespace's in order of appearance), the bridge batch, the nat restore, exec commands, netns
 * deletes. Pure; an empty op list gives no command.
 */
export function opsToCommands(ops: readonly Op[], opts: OpsToCommandsOptions = {}): Command[] {
  const pid = opts.mountNsPid;
  const netnsCmd = (verb: string, name: string): Command => ({
    argv: pid !== undefined ? [...mountNsPrefix(pid), "ip", "netns", verb, name] : ["ip", "netns", verb, name],
  });
  const of = (tool: OpTool): Op[] => ops.filter((o) => o.tool === tool);
  const bridge = of("bridge").map((o) => o.line);
  const nat = of("nat").map((o) => o.line);
  return [
    ...of("netns-clear").map((o) => netnsCmd("del", o.line)),
    ...of("netns-add").map((o) => netnsCmd("add", o.line)),
    ...ipBatches(ops),
    ...(bridge.length > 0 ? [{ argv: ["bridge", "-batch", "-"], stdin: bridge.join("\n") + "\n" } as Command] : []),
    ...(nat.length > 0 ? [{ argv: ["iptables-restore", "-w", "--noflush"], stdin: natInput(nat) } as Command] : []),
    ...of("exec").flatMap((o) => (o.command ? [o.command] : [])),
    ...of("netns-del").map((o) => netnsCmd("del", o.line)),
  ];
}
