/**
 * Renders the whole status branch (CONTRACT.md §5) from the controller's state: one YAML
 * file per resource and node, plus README.md. Pure and deterministic: the same state gives
 * the same bytes, so the writer can compare trees and skip empty commits.
 */
import { stringify } from "yaml";
import { nodeStatusPath, statusPath } from "./status-paths.js";
import { renderReadme } from "./render-readme.js";
import type { ClusterStatus, NodeStatus, ResourceStatus } from "./types.js";

/** Recursively sorts object keys so YAML output does not depend on insertion order. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The document of one resource's status file, fields in the contract's order. */
export function resourceDocument(r: ResourceStatus): Record<string, unknown> {
  return {
    apiType: r.apiType,
    id: r.id,
    ...(r.group !== undefined ? { group: r.group } : {}),
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    source: { path: r.source.path, commit: r.source.commit },
    observedCommit: r.observedCommit,
    state: r.state,
    ready: r.ready,
    conditions: r.conditions.map((c) => ({ ...c })),
    ...(r.node !== undefined ? { node: r.node } : {}),
    generation: r.generation,
    specHash: r.specHash,
    ...(r.incarnation !== undefined ? { incarnation: r.incarnation } : {}),
    details: sortKeys(r.details),
  };
}

function nodeDocument(n: NodeStatus): Record<string, unknown> {
  return {
    name: n.name,
    address: n.address,
    capacity: { vcpus: n.capacity.vcpus, memoryBytes: n.capacity.memoryBytes },
    allocated: { vcpus: n.allocated.vcpus, memoryBytes: n.allocated.memoryBytes },
    ready: n.ready,
    since: n.since,
    ...(n.lostAt !== undefined ? { lostAt: n.lostAt } : {}),
    ...(n.cordoned !== undefined ? { cordoned: n.cordoned } : {}),
  };
}

/**
 * A memo of rendered documents (JSON of the document -> YAML text): YAML output dominates an
 * idle round with many resources, and most documents do not change between rounds.
 */
export type RenderCache = Map<string, string>;

function toYaml(doc: Record<string, unknown>, cache: RenderCache | undefined, used: RenderCache): string {
  if (cache === undefined) return stringify(doc, { lineWidth: 0 });
  const key = JSON.stringify(doc);
  const text = cache.get(key) ?? stringify(doc, { lineWidth: 0 });
  used.set(key, text);
  return text;
}

/** Every file of the status branch: path -> content. `cache` (optional) only speeds it up. */
export function renderStatusFiles(status: ClusterStatus, cache?: RenderCache): Map<string, string> {
  const files = new Map<string, string>();
  const used: RenderCache = new Map();
  files.set("README.md", renderReadme(status));
  for (const r of status.resources.values()) files.set(statusPath(r), toYaml(resourceDocument(r), cache, used));
  for (const n of status.nodes.values()) files.set(nodeStatusPath(n.name), toYaml(nodeDocument(n), cache, used));
  if (cache !== undefined) {
    // Keep only what this render used, so the memo stays the size of the cluster.
    cache.clear();
    for (const [k, v] of used) cache.set(k, v);
  }
  return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
