/** `humops status` output: the status branch as a table or JSON. Pure. */
import { displayName } from "../../schemas/kinds.js";
import type { NodeStatus, ResourceStatus } from "./types.js";

/** One row per resource, sorted by key. */
export function statusRows(resources: Iterable<ResourceStatus>): { resource: string; state: string; node: string; ready: boolean; reason: string; message: string }[] {
  return [...resources]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((r) => {
      const c = r.conditions.find((x) => x.type === "Stalled") ?? r.conditions.find((x) => x.type === "Ready");
      return { resource: displayName(r), state: r.state, node: r.node ?? "", ready: r.ready, reason: c?.reason ?? "", message: c?.message ?? "" };
    });
}

/** The text table: aligned columns RESOURCE STATE NODE READY REASON MESSAGE, then the nodes. */
export function formatStatusTable(o: { resources: Iterable<ResourceStatus>; nodes: Iterable<NodeStatus>; manifestsCommit: string | undefined }): string {
  const rows = statusRows(o.resources).map((r) => [r.resource, r.state, r.node, r.ready ? "yes" : "no", r.reason, r.message]);
  const table = [["RESOURCE", "STATE", "NODE", "READY", "REASON", "MESSAGE"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
  const nodes = [...o.nodes].sort((a, b) => a.name.localeCompare(b.name)).map((n) => `node ${n.name}: ${n.ready ? "ready" : "NOT READY"} (${n.address})`);
  const head = o.manifestsCommit === undefined ? [] : [`manifests commit ${o.manifestsCommit}`];
  return [...head, ...lines, ...nodes].join("\n") + "\n";
}
