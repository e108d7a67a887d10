/**
 * `nodectl status`: the agent's own account when it answers; otherwise what the disk and the
 * host tell (last commands, the journal's last error, the accelerator probed now), and that
 * the agent is not reachable.
 */
import { join } from "node:path";
import { EpochGuard } from "../agent/epoch-guard.js";
import { probeAccelerator, type AcceleratorProbe } from "../vm/accelerator.js";
import { allocatedBy } from "./allocation.js";
import type { AgentStatusSnapshot } from "./agent-status.js";
import { readJournal } from "./journal.js";
import type { NodeView } from "./node-view.js";
import { countByState, resourceRows } from "./resource-rows.js";

/** What `nodectl status` prints (the `status` shape of nodectl-output.schema.json). */
export interface StatusReport {
  readonly command: "status";
  readonly node: string;
  readonly dataDir: string;
  readonly agent: {
    readonly reachable: boolean;
    readonly socketPath: string;
    readonly error?: string;
    readonly version?: string;
    readonly pid?: number;
    readonly startedAt?: string;
    readonly uptimeSeconds?: number;
  };
  readonly nats?: AgentStatusSnapshot["nats"];
  readonly controllerLastSeenAt?: string;
  readonly capacity: { readonly vcpus: number; readonly memoryBytes: number };
  readonly allocated: { readonly vcpus: number; readonly memoryBytes: number };
  readonly accelerator?: AcceleratorProbe;
  /** Resources per kind per observed state. */
  readonly resources: Record<string, Record<string, number>>;
  readonly lastError?: { readonly at: string; readonly key?: string; readonly message: string };
  /** Where the resource counts came from: the agent's drivers or the host read by nodectl. */
  readonly source: "agent" | "host";
  readonly lastCommands: number;
  readonly journalLastAt?: string;
  /** The newest controller epoch this node obeyed (issue #15); read from `<dataDir>/epoch.json`, so also with the agent down. */
  readonly epoch?: number;
}

async function journalFacts(path: string): Promise<{ lastAt?: string; lastError?: StatusReport["lastError"] }> {
  const entries = await readJournal(path);
  const failed = entries.filter((e) => e.error !== undefined || e.ok === false).at(-1);
  const last = entries.at(-1);
  return {
    ...(last ? { lastAt: last.at } : {}),
    ...(failed ? { lastError: { at: failed.at, ...(failed.key ? { key: failed.key } : {}), message: failed.error ?? "failed" } } : {}),
  };
}

function agentPart(view: NodeView, now: Date): StatusReport["agent"] {
  const a = view.agent;
  if (!a.reachable) return { reachable: false, socketPath: view.target.socketPath, error: a.error };
  const s = a.status;
  return {
    reachable: true,
    socketPath: view.target.socketPath,
    version: s.version,
    pid: s.pid,
    startedAt: s.startedAt,
    uptimeSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(s.startedAt)) / 1000)),
  };
}

/** Builds the status report; reads the inventory (agent or host) and the journal. */
export async function buildStatusReport(view: NodeView, now = new Date()): Promise<StatusReport> {
  const [inv, last, journal, epoch] = await Promise.all([view.inventory(), view.lastCommands(), journalFacts(view.target.journalPath), obeyedEpoch(view.target.env.dataDir)]);
  const s = view.agent.reachable ? view.agent.status : undefined;
  const accelerator = s?.accelerator ?? (await probeAccelerator(view.ctx.runner));
  const lastError = s?.lastError ?? journal.lastError;
  return {
    command: "status",
    node: s?.nodeName ?? view.target.env.nodeName,
    dataDir: view.target.env.dataDir,
    agent: agentPart(view, now),
    ...(s?.nats ? { nats: s.nats } : {}),
    ...(s?.controllerLastSeenAt ? { controllerLastSeenAt: s.controllerLastSeenAt } : {}),
    // The agent's own figures when it gives them; else the config's and the declared VMs'.
    capacity: s?.capacity ?? view.target.capacity,
    allocated: s?.allocated ?? allocatedBy(inv.known),
    accelerator,
    resources: countByState(resourceRows(inv)),
    ...(lastError ? { lastError } : {}),
    source: inv.source,
    lastCommands: last.commands.length,
    ...(journal.lastAt ? { journalLastAt: journal.lastAt } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
  };
}

/** The agent's epoch.json (node-agent/agent/epoch-guard.ts); undefined when absent or unreadable. */
async function obeyedEpoch(dataDir: string): Promise<number | undefined> {
  const guard = new EpochGuard(join(dataDir, "epoch.json"));
  try {
    await guard.load();
  } catch {
    return undefined;
  }
  return guard.newest > 0 ? guard.newest : undefined;
}
