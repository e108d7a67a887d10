/**
 * How a desired resource stands against what the nodes report: its state word, whether it is
 * ready, and what must be (re)applied on which node. Pure.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { DesiredResource } from "../manifest/types.js";

/** Observed resources per node: node -> key -> observed. */
export type ObservedByNode = ReadonlyMap<string, ReadonlyMap<ResourceKey, ObservedResource>>;

/** Why a node needs a command for a resource, or undefined when it matches. */
export type ApplyReason = "Create" | "Update" | "DriftCorrected" | "Retry";

/** The state word a VM should report for its actionState. */
function wantedVmState(r: DesiredResource): string {
  return r.spec["actionState"] === "PowerOff" ? "Stopped" : "Running";
}

/**
 * Why `node` needs an apply of `r` at `generation`; undefined when what runs matches.
 * `wasApplied` says the controller applied this generation before (a missing resource is then drift).
 */
export function applyReason(o: { r: DesiredResource; generation: number; observed: ObservedResource | undefined; wasApplied: boolean }): ApplyReason | undefined {
  const { r, generation, observed } = o;
  if (observed === undefined) return o.wasApplied ? "DriftCorrected" : "Create";
  if (observed.generation !== generation) return "Update";
  if ((observed.drift?.length ?? 0) > 0) return "DriftCorrected";
  if (r.apiType === "systemv0/virtualmachine" && observed.state !== wantedVmState(r) && observed.state !== "Error") return "DriftCorrected";
  if (observed.state === "Error") return "Retry";
  return undefined;
}

/** A resource's standing across its nodes. */
export interface Standing {
  readonly state: string;
  readonly ready: boolean;
  readonly reason: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Evaluates a node-level resource placed on `nodes`. */
export function evaluateOnNodes(o: {
  r: DesiredResource;
  generation: number;
  nodes: readonly string[];
  observed: ObservedByNode;
  isNodeReady?: (node: string) => boolean;
  /** When a NotReady node counts as lost (node-loss.ts): its time; undefined while it is only NotReady. */
  nodeLostAt?: (node: string) => string | undefined;
}): Standing {
  const per = o.nodes.map((n) => ({ node: n, obs: o.observed.get(n)?.get(o.r.key) }));
  const first = per[0]?.obs;
  const details: Record<string, unknown> = { ...(first?.details ?? {}) };
  if (o.nodes.length > 1) details["nodes"] = [...o.nodes];
  for (const { node, obs } of per) {
    if (o.isNodeReady?.(node) === false) {
      const lost = o.nodeLostAt?.(node);
      if (lost !== undefined) {
        return { state: obs?.state ?? "Pending", ready: false, reason: "NodeLost", message: `node ${node} was lost at ${lost} (not ready for longer than the node-lost delay); it stays on that node until the node returns; last reported state ${obs?.state ?? "none"}`, details: { ...details, lostNode: node, lostAt: lost } };
      }
      return { state: obs?.state ?? "Pending", ready: false, reason: "NodeNotReady", message: `node ${node} is not ready (its heartbeat expired); last reported state ${obs?.state ?? "none"}`, details };
    }
    if (obs === undefined) return { state: "Pending", ready: false, reason: "Applying", message: `not yet on node ${node}`, details };
    if (obs.state === "Error") return { state: "Error", ready: false, reason: obs.reason ?? "Error", message: `${node}: ${obs.message ?? "error"}`, details };
    if (obs.generation !== o.generation) {
      return { state: obs.state, ready: false, reason: "Applying", message: `generation ${o.generation} not yet applied on ${node}`, details };
    }
    const why = applyReason({ r: o.r, generation: o.generation, observed: obs, wasApplied: true });
    if (why !== undefined) {
      const drift = obs.drift?.length ? `: ${obs.drift.join(", ")}` : "";
      return { state: obs.state, ready: false, reason: "Drifted", message: `${node} differs from the declaration (${obs.state})${drift}`, details };
    }
  }
  if (first === undefined) return { state: "Pending", ready: false, reason: "Unschedulable", message: "no node", details };
  return { state: first.state, ready: true, reason: "Applied", message: `generation ${o.generation} applied`, details };
}
