/**
 * Turns a round's facts (desired, placement, observed, item outcomes) into the status of every
 * resource and node. Pure: `now` is an argument; conditions keep their transition time while
 * their status holds, and a ready resource keeps its Ready reason, so an idle cluster renders
 * the same status every round.
 */
import { displayName, parseResourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { NodeInfo } from "../bus/controller-bus.js";
import type { DesiredResource, LoadResult } from "../manifest/types.js";
import { computeConditions, type Outcome } from "../status/conditions.js";
import type { ClusterStatus, NodeStatus, ResourceStatus } from "../status/types.js";
import { CLUSTER_APPLIED } from "./dependencies.js";
import { evaluateOnNodes, type ObservedByNode, type Standing } from "./evaluate.js";
import type { ItemOutcome } from "./execute-work.js";
import type { Placement, Requests } from "./placement.js";
import { cordonedNodes, nicNetworks } from "./placement.js";
import { lostAt } from "./node-loss.js";
import type { OperationView } from "./operations.js";

/** Inputs of buildStatus. */
export interface StatusInput {
  readonly commit: string;
  readonly now: Date;
  readonly load: LoadResult;
  readonly generations: ReadonlyMap<ResourceKey, number>;
  readonly specHashes: ReadonlyMap<ResourceKey, string>;
  /** Each desired resource's incarnation (incarnations.ts); `observed` holds only that life's objects. */
  readonly incarnations?: ReadonlyMap<ResourceKey, string>;
  readonly placement: Placement;
  readonly observed: ObservedByNode;
  readonly outcomes: ReadonlyMap<string, ItemOutcome>;
  readonly clusterApplied: ReadonlyMap<ResourceKey, number>;
  /** Terminal failures: key -> generation (kept Stalled until the spec changes). */
  readonly stalled: ReadonlyMap<ResourceKey, number>;
  /** Deletes the plan holds back (mass deletion, still used): key -> reason, message. */
  readonly heldDeletes?: ReadonlyMap<ResourceKey, { readonly reason: string; readonly message: string }>;
  readonly previous: ReadonlyMap<ResourceKey, ResourceStatus>;
  readonly nodes: readonly NodeInfo[];
  readonly previousNodes: ReadonlyMap<string, NodeStatus>;
  /** How long a node is NotReady before it counts as lost (node-loss.ts); absent: never. */
  readonly nodeLostAfterMs?: number;
  /** Pool and external IP use (pool-usage.ts), merged into their status details. */
  readonly poolUsage?: ReadonlyMap<ResourceKey, Record<string, unknown>>;
  /** Operations in flight on the nodes (protocol 1.3, operations.ts): key -> op, generation, progress. */
  readonly operations?: ReadonlyMap<ResourceKey, OperationView>;
}

/** The phase word of an operation without a reported one. */
function operationPhase(v: OperationView): string {
  return v.progress?.phase ?? (v.op === "delete" ? "Deleting" : "Applying");
}

/** What the status says of `key`'s operation in flight, if one runs: Reconciling, and `details.progress` (CONTRACT 6.1). */
function inFlight(key: ResourceKey, input: StatusInput): { outcome: Outcome; progress: Record<string, unknown> } | undefined {
  const v = input.operations?.get(key);
  if (v === undefined) return undefined;
  const p = v.progress;
  const bytes = p?.doneBytes !== undefined ? `: ${p.doneBytes}${p.totalBytes !== undefined ? ` of ${p.totalBytes}` : ""} bytes` : p?.elapsedSeconds !== undefined ? `: ${Math.round(p.elapsedSeconds)} s` : "";
  return {
    outcome: { phase: "reconciling", reason: operationPhase(v), message: `${v.op} of generation ${v.generation} running on ${v.node} since ${v.startedAt}${bytes}` },
    progress: { phase: operationPhase(v), ...(p ?? {}), startedAt: v.startedAt },
  };
}

function outcomesOf(key: ResourceKey, input: StatusInput): ItemOutcome[] {
  return [...input.outcomes.values()].filter((o) => o.item.key === key);
}

function standingOf(r: DesiredResource, gen: number, input: StatusInput, nodeStatus: ReadonlyMap<string, NodeStatus>): Standing & { node?: string } {
  if (CLUSTER_APPLIED.has(r.apiType)) {
    const ok = input.clusterApplied.get(r.key) === gen;
    const details = input.poolUsage?.get(r.key) ?? {};
    return { state: ok ? "Active" : "Pending", ready: ok, reason: ok ? "Applied" : "Applying", message: ok ? `generation ${gen} applied` : "not applied yet", details };
  }
  const why = input.placement.unschedulable.get(r.key);
  if (why !== undefined) return { state: "Pending", ready: false, reason: "Unschedulable", message: why, details: {} };
  const nodes = input.placement.nodes.get(r.key) ?? [];
  const s = evaluateOnNodes({ r, generation: gen, nodes, observed: input.observed, isNodeReady: (n) => nodeStatus.get(n)?.ready === true, nodeLostAt: (n) => nodeStatus.get(n)?.lostAt });
  const details = r.apiType === "systemv0/virtualmachine" || r.apiType === "systemv0/virtualrouter" ? { ...s.details, networks: nicNetworks(r) } : s.details;
  return { ...s, details, ...(nodes[0] !== undefined && r.apiType !== "systemv0/network" ? { node: nodes[0] } : {}) };
}

function outcomeOf(standing: Standing, outs: ItemOutcome[], prev: ResourceStatus | undefined): Outcome {
  const failed = outs.find((o) => !o.ok);
  if (failed !== undefined && !failed.ok) {
    const d = failed.disposition;
    // A lost node says more than the wait for it ("node is not ready") that the last attempt met.
    if (standing.reason === "NodeLost" && d.phase !== "stalled") return { phase: "reconciling", reason: standing.reason, message: standing.message };
    if (d.phase === "stalled" || !standing.ready) return { phase: d.phase, reason: d.reason, message: d.message };
  }
  if (!standing.ready) return { phase: "reconciling", reason: standing.reason, message: standing.message };
  const drift = outs.find((o) => o.ok && o.item.reason === "DriftCorrected");
  if (drift !== undefined) return { phase: "ready", reason: "DriftCorrected", message: `re-applied on ${drift.item.node ?? "controller"}: it was missing or different` };
  const prevReady = prev?.conditions.find((c) => c.type === "Ready" && c.status === "True");
  if (prevReady !== undefined && outs.length === 0) return { phase: "ready", reason: prevReady.reason, message: prevReady.message };
  return { phase: "ready", reason: standing.reason, message: standing.message };
}

function desiredStatus(r: DesiredResource, input: StatusInput, nodeStatus: ReadonlyMap<string, NodeStatus>): ResourceStatus {
  const gen = input.generations.get(r.key) ?? 1;
  const prev = input.previous.get(r.key);
  const standing = standingOf(r, gen, input, nodeStatus);
  const prevStalled = prev?.conditions.find((c) => c.type === "Stalled");
  const running = inFlight(r.key, input);
  const outcome: Outcome =
    running !== undefined
      ? running.outcome
      : input.stalled.get(r.key) === gen && prevStalled !== undefined && outcomesOf(r.key, input).length === 0
        ? { phase: "stalled", reason: prevStalled.reason, message: prevStalled.message }
        : outcomeOf(standing, outcomesOf(r.key, input), prev);
  return {
    key: r.key,
    apiType: r.apiType,
    id: r.id,
    ...(r.group !== undefined ? { group: r.group } : {}),
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    source: { path: r.source.file, commit: input.commit },
    observedCommit: input.commit,
    state: standing.state,
    ready: outcome.phase === "ready",
    conditions: computeConditions({ outcome, previous: prev?.conditions ?? [], now: input.now, observedCommit: input.commit }),
    ...(standing.node !== undefined ? { node: standing.node } : {}),
    generation: gen,
    specHash: input.specHashes.get(r.key) ?? "",
    ...(input.incarnations?.get(r.key) !== undefined ? { incarnation: input.incarnations.get(r.key)! } : {}),
    details: running !== undefined ? { ...standing.details, progress: running.progress } : standing.details,
  };
}

function keptStatus(prev: ResourceStatus, outcome: Outcome, state: string, input: StatusInput): ResourceStatus {
  return {
    ...prev,
    state,
    ready: false,
    observedCommit: input.commit,
    conditions: computeConditions({ outcome, previous: prev.conditions, now: input.now, observedCommit: input.commit }),
  };
}

/** Only the diagram's `networks` of `details`. */
function networksOnly(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return details["networks"] !== undefined ? { networks: details["networks"] } : {};
}

/**
 * A status kept for a resource no longer declared whose delete is held (nothing sent): the
 * details its node reports now, not those of an earlier round.
 */
function withCurrentDetails(s: ResourceStatus, input: StatusInput): ResourceStatus {
  if (input.clusterApplied.has(s.key)) return s;
  for (const m of input.observed.values()) {
    const o = m.get(s.key);
    if (o !== undefined) return { ...s, details: { ...o.details, ...networksOnly(s.details) } };
  }
  return s;
}

function stillExists(key: ResourceKey, input: StatusInput): boolean {
  if (input.clusterApplied.has(key)) return true;
  for (const m of input.observed.values()) if (m.has(key)) return true;
  return false;
}

function invalidMessage(prev: ResourceStatus, input: StatusInput): string {
  const name = displayName(prev);
  const d = input.load.diagnostics.find((x) => x.severity === "error" && (x.resource === name || x.file === prev.source.path));
  return d === undefined ? "the manifest does not load; keeping what was applied" : `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

function nodeStatuses(input: StatusInput): Map<string, NodeStatus> {
  const out = new Map<string, NodeStatus>();
  const zero: Requests = { vcpus: 0, memoryBytes: 0 };
  const cordons = cordonedNodes(input.load);
  for (const n of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const prev = input.previousNodes.get(n.name);
    const since = prev !== undefined && prev.ready === n.ready ? prev.since : input.now.toISOString();
    const allocated = input.placement.allocated.get(n.name) ?? zero;
    const lost = input.nodeLostAfterMs === undefined ? undefined : lostAt({ ready: n.ready, since }, input.nodeLostAfterMs, input.now);
    const cordoned = cordons.get(n.name);
    out.set(n.name, {
      name: n.name, address: n.address, capacity: n.capacity, allocated: { vcpus: allocated.vcpus, memoryBytes: allocated.memoryBytes }, ready: n.ready, since,
      ...(lost !== undefined ? { lostAt: lost } : {}),
      ...(cordoned !== undefined ? { cordoned } : {}),
    });
  }
  return out;
}

/** A declared resource that never loaded cleanly: Stalled, with the first error that names it. */
function addInvalidNew(key: ResourceKey, input: StatusInput, out: Map<ResourceKey, ResourceStatus>): void {
  const ref = parseResourceKey(key);
  if (ref === undefined) return;
  const d = input.load.diagnostics.find((x) => x.severity === "error" && x.resource === displayName(ref));
  const outcome: Outcome = { phase: "stalled", reason: "InvalidManifest", message: d === undefined ? "the manifest has errors" : `${d.file}:${d.line}:${d.column}: ${d.message}` };
  out.set(key, {
    ...ref,
    key,
    source: { path: d?.file ?? "", commit: input.commit },
    observedCommit: input.commit,
    state: "Pending",
    ready: false,
    conditions: computeConditions({ outcome, previous: [], now: input.now, observedCommit: input.commit }),
    generation: 0,
    specHash: "",
    details: {},
  } as ResourceStatus);
}

/**
 * Warnings about `systemv0/node` documents that only the controller can give: a node that has
 * not registered (yet: the declaration applies when it does), and a drain, which only cordons
 * until moving is built (issue #14).
 */
function nodeDeclarationWarnings(input: StatusInput): { file: string; line: number; column: number; severity: "warning"; message: string }[] {
  const out: { file: string; line: number; column: number; severity: "warning"; message: string }[] = [];
  for (const n of input.load.nodes?.values() ?? []) {
    const at = { file: n.source.file, line: n.source.line, column: n.source.column, severity: "warning" as const };
    if (!input.nodes.some((x) => x.name === n.name)) out.push({ ...at, message: `systemv0/node ${n.name}: no node of that name has registered (yet); the declaration applies when it does` });
    if (n.drain) out.push({ ...at, message: `systemv0/node ${n.name}: humops/drain only cordons the node for now: moving routers and Ceph VMs off it is not built yet (issue #14)` });
  }
  return out;
}

/** The status of every resource and node after a round. */
export function buildStatus(input: StatusInput): ClusterStatus {
  const resources = new Map<ResourceKey, ResourceStatus>();
  // Built first: every resource's standing reads the nodes' readiness and loss.
  const nodes = nodeStatuses(input);
  for (const r of input.load.resources.values()) resources.set(r.key, desiredStatus(r, input, nodes));
  for (const [key, prev] of input.previous) {
    if (resources.has(key)) continue;
    if (input.load.invalidKeys.has(key) || input.load.failedFiles.has(prev.source.path)) {
      resources.set(key, keptStatus(prev, { phase: "stalled", reason: "InvalidManifest", message: invalidMessage(prev, input) }, prev.state, input));
    } else if (stillExists(key, input) && input.heldDeletes?.has(key)) {
      const held = input.heldDeletes.get(key)!;
      resources.set(key, withCurrentDetails(keptStatus(prev, { phase: held.reason === "MassDeletion" ? "stalled" : "reconciling", reason: held.reason, message: held.message }, prev.state, input), input));
    } else if (stillExists(key, input)) {
      const failed = outcomesOf(key, input).find((o) => !o.ok);
      const message = failed !== undefined && !failed.ok ? failed.disposition.message : "removed from the manifests; deleting";
      // Being deleted: what still runs is unknown until the node reports again (a failed delete
      // may have stopped qemu), so no pid, tap or disk is named (issue #11); nodectl shows them.
      const running = inFlight(key, input);
      const details = running !== undefined ? { ...networksOnly(prev.details), progress: running.progress } : networksOnly(prev.details);
      resources.set(key, { ...keptStatus(prev, running?.outcome ?? { phase: "reconciling", reason: "Deleting", message }, "Deleting", input), details });
    }
  }
  for (const key of input.load.invalidKeys) if (!resources.has(key)) addInvalidNew(key, input, resources);
  const diagnostics = [...input.load.diagnostics, ...nodeDeclarationWarnings(input)].map((d) => ({ file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message }));
  return { manifestsCommit: input.commit, resources, nodes, diagnostics };
}
