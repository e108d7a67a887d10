/**
 * The round's work: which (resource, node) pairs need an apply or a delete, each with the keys
 * it waits for. Pure; the executor sends them when their dependencies are ready.
 *
 * Never deletes what a failed manifest declared (CONTRACT.md §2): keys in `invalidKeys`, and
 * resources whose last source file failed to load, are left alone.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { DesiredResource, LoadResult } from "../manifest/types.js";
import type { ResourceStatus } from "../status/types.js";
import { CLUSTER_APPLIED, DELETE_RANK, dependenciesOf } from "./dependencies.js";
import { applyReason, type ApplyReason, type ObservedByNode } from "./evaluate.js";

/** One command to send (or, for a cluster-level kind, to record). */
export interface WorkItem {
  /** `key@node` (`key@` for cluster-level kinds): at most one in flight per id. */
  readonly id: string;
  readonly key: ResourceKey;
  readonly node: string | undefined;
  readonly op: "apply" | "delete";
  readonly generation: number;
  readonly reason: ApplyReason | "Delete";
  /** Keys that must be ready (apply) or gone (delete) first. */
  readonly dependsOn: readonly ResourceKey[];
  readonly desired?: DesiredResource;
  /** For a delete: what the node reports (its spec is echoed in the command). */
  readonly observed?: ObservedResource;
}

/** Inputs of planWork. */
export interface WorkInput {
  readonly load: LoadResult;
  readonly generations: ReadonlyMap<ResourceKey, number>;
  readonly placement: ReadonlyMap<ResourceKey, readonly string[]>;
  readonly observed: ObservedByNode;
  /** Cluster-level kinds as the controller applied them: key -> generation. */
  readonly clusterApplied: ReadonlyMap<ResourceKey, number>;
  readonly previous: ReadonlyMap<ResourceKey, ResourceStatus>;
  /** Resources stalled by a terminal failure at a generation: not retried until it changes. */
  readonly stalled: ReadonlyMap<ResourceKey, number>;
  /** False when the plan holds the resource's delete (gate-plan.ts); default: allowed. */
  readonly mayDelete?: (key: ResourceKey) => boolean;
}

const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * A BaseImage disk also waits for the declared image entity its image and tag resolve to: its
 * command's context needs the entity's location and sha256 (build-context.ts), and the agent
 * refuses a BaseImage disk without them as InvalidSpec (terminal). The image itself is
 * cluster-applied, so waiting for it alone does not wait for the entity.
 */
function baseImageEntity(r: DesiredResource, resources: LoadResult["resources"]): ResourceKey[] {
  const from = rec(r.spec["from"]);
  if (r.apiType !== "systemv0/blockstorage" || from["type"] !== "BaseImage") return [];
  const base = rec(from["baseImage"]);
  const image = resources.get(resourceKey({ apiType: "systemv0/image", id: String(base["imageName"] ?? ""), group: r.group }));
  const entityId = rec(image?.spec["entityMap"])[typeof base["tag"] === "string" && base["tag"] ? base["tag"] : "latest"];
  if (typeof entityId !== "string") return [];
  const key = resourceKey({ apiType: "systemv0/imageentity", id: entityId, group: r.group });
  return resources.has(key) ? [key] : [];
}

function applies(input: WorkInput): WorkItem[] {
  const out: WorkItem[] = [];
  for (const r of input.load.resources.values()) {
    const generation = input.generations.get(r.key) ?? 1;
    if (input.stalled.get(r.key) === generation) continue;
    const dependsOn = [...new Set([...dependenciesOf(r), ...baseImageEntity(r, input.load.resources)])];
    if (CLUSTER_APPLIED.has(r.apiType)) {
      const applied = input.clusterApplied.get(r.key);
      if (applied !== generation) out.push({ id: `${r.key}@`, key: r.key, node: undefined, op: "apply", generation, reason: applied === undefined ? "Create" : "Update", dependsOn, desired: r });
      continue;
    }
    const prev = input.previous.get(r.key);
    const wasApplied = prev !== undefined && prev.generation === generation && prev.ready;
    for (const node of input.placement.get(r.key) ?? []) {
      const reason = applyReason({ r, generation, observed: input.observed.get(node)?.get(r.key), wasApplied });
      if (reason !== undefined) out.push({ id: `${r.key}@${node}`, key: r.key, node, op: "apply", generation, reason, dependsOn, desired: r });
    }
  }
  return out;
}

function isProtected(key: ResourceKey, input: WorkInput): boolean {
  if (input.load.invalidKeys.has(key) || input.mayDelete?.(key) === false) return true;
  const path = input.previous.get(key)?.source.path;
  return path !== undefined && input.load.failedFiles.has(path);
}

function deletes(input: WorkInput): WorkItem[] {
  const out: WorkItem[] = [];
  for (const [node, resources] of input.observed) {
    for (const [key, obs] of resources) {
      if (obs.generation === undefined || isProtected(key, input)) continue;
      const wanted = input.load.resources.has(key);
      const where = input.placement.get(key);
      if (wanted && (where === undefined || where.includes(node))) continue;
      out.push({ id: `${key}@${node}`, key, node, op: "delete", generation: obs.generation, reason: "Delete", dependsOn: [], observed: obs });
    }
  }
  for (const [key, generation] of input.clusterApplied) {
    if (input.load.resources.has(key) || isProtected(key, input)) continue;
    out.push({ id: `${key}@`, key, node: undefined, op: "delete", generation, reason: "Delete", dependsOn: [] });
  }
  // A delete waits for the deletes of kinds that come before it on the same node (a VM before
  // its disks); a cluster-level delete waits for every resource really removed before it.
  const rank = (w: WorkItem): number => DELETE_RANK[w.key.split("/").slice(0, 2).join("/") as keyof typeof DELETE_RANK] ?? 9;
  const before = (o: WorkItem, w: WorkItem): boolean => rank(o) < rank(w) && (w.node === undefined ? !input.load.resources.has(o.key) : o.node === w.node);
  return out.map((w) => ({ ...w, dependsOn: [...new Set(out.filter((o) => before(o, w)).map((o) => o.key))] }));
}

/** Every apply and delete the round needs, deterministic order. */
export function planWork(input: WorkInput): WorkItem[] {
  return [...applies(input), ...deletes(input)].sort((a, b) => a.id.localeCompare(b.id));
}
