/**
 * Reads the status branch's files back into status records: the controller restores
 * generations, placements and transition times from them after a restart, and `humops status`
 * prints them. Pure; files that are not status documents are ignored.
 */
import { parse } from "yaml";
import { isApiType, resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { Condition, NodeStatus, ResourceStatus } from "./types.js";

const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function parseConditions(v: unknown): Condition[] {
  if (!Array.isArray(v)) return [];
  return v.map(obj).filter((c) => c["type"] === "Ready" || c["type"] === "Reconciling" || c["type"] === "Stalled").map((c) => ({
    type: c["type"] as Condition["type"],
    status: c["status"] === "True" ? "True" : "False",
    reason: str(c["reason"]),
    message: str(c["message"]),
    lastTransitionTime: str(c["lastTransitionTime"]),
    observedCommit: str(c["observedCommit"]),
  }));
}

/** Parses one resource status document; undefined when it is not one. */
export function parseResourceStatus(text: string): ResourceStatus | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = obj(parse(text));
  } catch {
    return undefined;
  }
  const apiType = doc["apiType"];
  if (!isApiType(apiType) || typeof doc["id"] !== "string") return undefined;
  const group = typeof doc["group"] === "string" ? doc["group"] : undefined;
  const namespace = typeof doc["namespace"] === "string" ? doc["namespace"] : undefined;
  const source = obj(doc["source"]);
  return {
    key: resourceKey({ apiType, id: doc["id"], group, namespace }),
    apiType,
    id: doc["id"],
    ...(group !== undefined ? { group } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    source: { path: str(source["path"]), commit: str(source["commit"]) },
    observedCommit: str(doc["observedCommit"]),
    state: str(doc["state"], "Unknown"),
    ready: doc["ready"] === true,
    conditions: parseConditions(doc["conditions"]),
    ...(typeof doc["node"] === "string" ? { node: doc["node"] } : {}),
    generation: num(doc["generation"]),
    specHash: str(doc["specHash"]),
    ...(typeof doc["incarnation"] === "string" && doc["incarnation"] !== "" ? { incarnation: doc["incarnation"] } : {}),
    details: obj(doc["details"]),
  };
}

function parseNodeStatus(text: string): NodeStatus | undefined {
  const doc = obj(parse(text));
  if (typeof doc["name"] !== "string") return undefined;
  const cap = obj(doc["capacity"]);
  const alloc = obj(doc["allocated"]);
  return {
    name: doc["name"],
    address: str(doc["address"]),
    capacity: { vcpus: num(cap["vcpus"]), memoryBytes: num(cap["memoryBytes"]) },
    allocated: { vcpus: num(alloc["vcpus"]), memoryBytes: num(alloc["memoryBytes"]) },
    ready: doc["ready"] === true,
    since: str(doc["since"]),
    ...(typeof doc["lostAt"] === "string" ? { lostAt: doc["lostAt"] } : {}),
    ...(typeof doc["cordoned"] === "string" ? { cordoned: doc["cordoned"] } : {}),
  };
}

/** Resource and node statuses of a status branch tree (path -> content). */
export function parseStatusFiles(files: ReadonlyMap<string, string>): {
  resources: Map<ResourceKey, ResourceStatus>;
  nodes: Map<string, NodeStatus>;
} {
  const resources = new Map<ResourceKey, ResourceStatus>();
  const nodes = new Map<string, NodeStatus>();
  for (const [path, text] of files) {
    if (!path.endsWith(".yaml")) continue;
    if (path.startsWith("nodes/")) {
      const n = parseNodeStatus(text);
      if (n !== undefined) nodes.set(n.name, n);
      continue;
    }
    const r = parseResourceStatus(text);
    if (r !== undefined) resources.set(r.key, r);
  }
  return { resources, nodes };
}

/** The `Manifests-Commit:` trailer of a status commit message, if any. */
export function manifestsCommitTrailer(message: string): string | undefined {
  return /^Manifests-Commit:\s*([0-9a-f]{7,64})\s*$/m.exec(message)?.[1];
}
