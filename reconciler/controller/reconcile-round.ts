/**
 * One reconcile round, laid out like Flux's Reconcile: fetch and load desired -> read observed
 * -> place -> plan the work -> apply (in dependency order) -> status in `finally`. Level-based:
 * every round re-reads everything; nothing is trusted from events.
 */
import type { Logger } from "pino";
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { NodeInfo, NodeInventory } from "../bus/controller-bus.js";
import type { LoadResult } from "../manifest/types.js";
import { renderStatusFiles } from "../status/render-status.js";
import type { ClusterStatus } from "../status/types.js";
import type { RateLimiter } from "./backoff.js";
import { buildContext } from "./build-context.js";
import { buildStatus } from "./build-status.js";
import { CLUSTER_APPLIED } from "./dependencies.js";
import type { ControllerState } from "./controller-state.js";
import { CommandFailedError, TerminalError, WaitingError, type Result } from "./errors.js";
import { evaluateOnNodes } from "./evaluate.js";
import { gatePlan } from "./gate-plan.js";
import { executeWork, type ItemOutcome } from "./execute-work.js";
import { nextGeneration, specHash } from "./generations.js";
import { assignIncarnations, commandIdOf, currentIncarnationView } from "./incarnations.js";
import { placeResources, type Placement } from "./placement.js";
import { planWork, type WorkItem } from "./plan-work.js";
import type { ControllerDeps } from "./ports.js";
import { poolUsageDetails } from "./pool-usage.js";

/** What a round did. */
export interface RoundReport {
  readonly commit: string;
  readonly commandsSent: number;
  readonly statusCommit: string | undefined;
  readonly statusChanged: boolean;
  readonly notReady: number;
  /** When the loop should come back on its own (backoff, waiting); undefined: only on events. */
  readonly requeueAfterMs: number | undefined;
}

/** Per-round inputs the Controller passes. */
export interface RoundContext {
  readonly deps: ControllerDeps;
  readonly state: ControllerState;
  readonly limiter: RateLimiter;
  readonly commandTimeoutMs: number;
  /** How long a command result outranks an inventory that does not show it yet. */
  readonly inventoryGraceMs: number;
  /** The cluster download token put in storage commands' context (ControllerOptions.downloadToken). */
  readonly downloadToken?: string;
  readonly loadCached: (commit: string) => Promise<LoadResult>;
  readonly log: Logger;
}

const TERMINAL_REASONS = new Set(["InvalidSpec", "Unsupported"]);
const NODE_WAIT_MS = 10_000;

function observedByNode(nodes: readonly NodeInfo[], inventories: Map<string, NodeInventory>): Map<string, Map<ResourceKey, ObservedResource>> {
  const out = new Map<string, Map<ResourceKey, ObservedResource>>();
  for (const n of nodes) out.set(n.name, new Map((inventories.get(n.name)?.resources ?? []).map((r) => [r.key, r])));
  return out;
}

function generationsOf(load: LoadResult, state: ControllerState): { generations: Map<ResourceKey, number>; hashes: Map<ResourceKey, string> } {
  const generations = new Map<ResourceKey, number>();
  const hashes = new Map<ResourceKey, string>();
  for (const r of load.resources.values()) {
    const h = specHash(r.spec, r.meta.annotations);
    hashes.set(r.key, h);
    generations.set(r.key, nextGeneration(state.statuses.get(r.key), h));
  }
  return { generations, hashes };
}

/** Runs one round; rejects when the source or the bus cannot be read (the caller backs off). */
export async function reconcileRound(ctx: RoundContext, signal: AbortSignal): Promise<RoundReport> {
  const { deps, state } = ctx;
  const t0 = performance.now();
  const { commit } = await deps.source.fetch();
  deps.metrics?.gitFetch?.((performance.now() - t0) / 1000);
  if (!state.restored) state.restore((await deps.status.read())?.files ?? new Map());
  const [nodes, inventories] = await Promise.all([deps.bus.nodes(), deps.bus.inventories()]);
  const observedAll = observedByNode(nodes, inventories);
  state.recent.overlay(observedAll, Date.now(), ctx.inventoryGraceMs);
  const gate = gatePlan({ load: await ctx.loadCached(commit), previous: state.statuses, observed: observedAll, commitMessage: await deps.source.commitMessage(commit) });
  const load = gate.load;
  const { generations, hashes } = generationsOf(load, state);
  const incarnations = assignIncarnations(load, state.statuses);
  const placement = placeResources({ desired: [...load.resources.values()], nodes, previous: state.previousPlacement(), requests: deps.requests });
  state.forgetEarlierLives(incarnations.minted, placement.nodes);
  const observed = currentIncarnationView(observedAll, incarnations.of, placement.nodes);
  const items = planWork({ load, generations, placement: placement.nodes, observed, clusterApplied: state.clusterApplied, previous: state.statuses, stalled: state.stalled, mayDelete: (k) => load.resources.has(k) || gate.deletable.has(k) });
  deps.metrics?.queueDepth?.(items.length);
  let outcomes = new Map<string, ItemOutcome>();
  let sent = 0;
  let written: Awaited<ReturnType<typeof writeStatus>> | undefined;
  try {
    const run = applyItems({ ctx, load, generations, incarnations: incarnations.of, placement, observed, nodes, commit });
    outcomes = await executeWork(items, run.hooks, signal);
    sent = run.sent();
  } finally {
    const status = buildStatus({ commit, now: deps.now?.() ?? new Date(), load, generations, specHashes: hashes, incarnations: incarnations.of, placement, observed, outcomes, clusterApplied: state.clusterApplied, stalled: state.stalled, heldDeletes: gate.heldDeletes, previous: state.statuses, nodes, previousNodes: state.nodes, poolUsage: poolUsageDetails(load.resources) });
    written = await writeStatus(ctx, status, commit);
  }
  const notReady = [...written.status.resources.values()].filter((r) => !r.ready).length;
  return { commit, commandsSent: sent, statusCommit: written.statusCommit, statusChanged: written.statusChanged, notReady, requeueAfterMs: requeueOf(outcomes, ctx) };
}

async function writeStatus(ctx: RoundContext, status: ClusterStatus, commit: string): Promise<{ statusCommit: string | undefined; statusChanged: boolean; status: ClusterStatus }> {
  ctx.state.statuses = new Map(status.resources);
  ctx.state.nodes = new Map(status.nodes);
  const notReady = [...status.resources.values()].filter((r) => !r.ready).length;
  const message = `humops status: ${status.resources.size - notReady} ready, ${notReady} not ready\n\nManifests-Commit: ${commit}\n`;
  ctx.deps.metrics?.appliedCommit?.(commit);
  const files = renderStatusFiles(status, ctx.state.renderCache);
  const last = ctx.state.lastWritten;
  if (last !== undefined && sameFiles(last.files, files)) return { statusCommit: last.commit, statusChanged: false, status };
  const res = await ctx.deps.status.write(files, message);
  ctx.state.lastWritten = { files, commit: res.commit };
  if (res.changed) ctx.log.info({ statusCommit: res.commit, notReady }, "status committed");
  return { statusCommit: res.commit, statusChanged: res.changed, status };
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function requeueOf(outcomes: ReadonlyMap<string, ItemOutcome>, ctx: RoundContext): number | undefined {
  let min: number | undefined;
  const now = Date.now();
  for (const o of outcomes.values()) {
    if (o.ok) continue;
    const ms = o.disposition.retry === "after" ? o.disposition.result.requeueAfterMs : o.disposition.retry === "backoff" ? ctx.state.backoff.remainingMs(o.item.id, now, o.item.generation) : undefined;
    if (ms !== undefined) min = Math.min(min ?? ms, Math.max(ms, 50));
  }
  return min;
}

interface ApplyInput {
  ctx: RoundContext;
  load: LoadResult;
  generations: ReadonlyMap<ResourceKey, number>;
  incarnations: ReadonlyMap<ResourceKey, string>;
  placement: Placement;
  observed: Map<string, Map<ResourceKey, ObservedResource>>;
  nodes: readonly NodeInfo[];
  commit: string;
}

function applyItems(a: ApplyInput): { hooks: Parameters<typeof executeWork>[1]; sent: () => number } {
  let sent = 0;
  const ready = (key: ResourceKey): boolean => {
    const r = a.load.resources.get(key);
    if (r === undefined) return false;
    const gen = a.generations.get(key) ?? 1;
    if (CLUSTER_APPLIED.has(r.apiType)) return a.ctx.state.clusterApplied.get(key) === gen;
    const nodes = a.placement.nodes.get(key);
    return nodes !== undefined && evaluateOnNodes({ r, generation: gen, nodes, observed: a.observed, isNodeReady: (n) => a.nodes.some((x) => x.name === n && x.ready) }).ready;
  };
  const gone = (key: ResourceKey, node: string | undefined): boolean =>
    node !== undefined ? !a.observed.get(node)?.has(key) : !a.ctx.state.clusterApplied.has(key) && ![...a.observed.values()].some((m) => m.has(key));
  const hooks = {
    isReady: ready,
    isGone: gone,
    backoffRemainingMs: (item: WorkItem) => a.ctx.state.backoff.remainingMs(item.id, Date.now(), item.generation),
    reconcile: async (item: WorkItem, signal: AbortSignal): Promise<Result> => {
      try {
        if (item.node === undefined) recordClusterLevel(a, item);
        else {
          sent++;
          await sendCommand(a, item, signal);
        }
        a.ctx.state.backoff.succeed(item.id);
        if (item.reason === "DriftCorrected") a.ctx.log.info({ resource: item.key, node: item.node }, "DriftCorrected");
        return {};
      } catch (e: unknown) {
        if (!(e instanceof WaitingError) && !(e instanceof TerminalError)) a.ctx.state.backoff.fail(item.id, Date.now(), item.generation);
        if (e instanceof TerminalError) a.ctx.state.stalled.set(item.key, item.generation);
        a.ctx.log.warn({ resource: item.key, node: item.node, err: e }, "reconcile failed");
        throw e;
      }
    },
  };
  return { hooks, sent: () => sent };
}

function recordClusterLevel(a: ApplyInput, item: WorkItem): void {
  if (item.op === "apply") a.ctx.state.clusterApplied.set(item.key, item.generation);
  else a.ctx.state.clusterApplied.delete(item.key);
}

async function sendCommand(a: ApplyInput, item: WorkItem, signal: AbortSignal): Promise<void> {
  const node = item.node!;
  if (!a.nodes.find((n) => n.name === node)?.ready) throw new WaitingError("NodeNotReady", `node ${node} is not ready`, NODE_WAIT_MS);
  const attemptKey = `${item.id}#${item.op}#${item.generation}`;
  const attempt = a.ctx.state.attempts.get(attemptKey) ?? 0;
  a.ctx.state.attempts.set(attemptKey, attempt + 1);
  const r = item.desired;
  const obs = item.observed;
  // An apply is for the current life; a delete for the life of what the node reports.
  const incarnation = item.op === "apply" ? a.incarnations.get(item.key) : obs?.incarnation;
  const cmd = {
    commandId: commandIdOf({ itemId: item.id, op: item.op, generation: item.generation, incarnation, runId: a.ctx.state.runId, attempt }),
    op: item.op,
    key: item.key,
    apiType: r?.apiType ?? obs!.apiType,
    id: r?.id ?? item.key.split("/").at(-1)!,
    ...(r?.group ?? groupOf(item.key) ? { group: r?.group ?? groupOf(item.key)! } : {}),
    ...(r?.namespace ?? namespaceOf(item.key) ? { namespace: r?.namespace ?? namespaceOf(item.key)! } : {}),
    annotations: { ...(r?.meta.annotations ?? {}) },
    spec: { ...(r?.spec ?? obs?.spec ?? {}) },
    generation: item.generation,
    ...(incarnation !== undefined ? { incarnation } : {}),
    context: r !== undefined ? buildContext(r, node, { desired: a.load.resources, placement: a.placement.nodes, nodes: a.nodes, observed: a.observed, ...(a.ctx.downloadToken !== undefined ? { downloadToken: a.ctx.downloadToken } : {}) }) : {},
  };
  await a.ctx.limiter.take(signal);
  a.ctx.log.debug({ resource: item.key, node, op: item.op, generation: item.generation, reason: item.reason }, "sending command");
  let res;
  try {
    res = await a.ctx.deps.bus.send(node, cmd, { timeoutMs: a.ctx.commandTimeoutMs, signal });
  } catch (e: unknown) {
    a.ctx.deps.metrics?.command?.("error");
    throw e;
  }
  a.ctx.deps.metrics?.command?.(res.ok ? "ok" : "failed");
  if (!res.ok) {
    const reason = res.reason ?? "CommandFailed";
    if (TERMINAL_REASONS.has(reason)) throw new TerminalError(reason, `${node}: ${res.message ?? reason}`);
    throw new CommandFailedError(reason, node, `${node}: ${res.message ?? reason}`);
  }
  const m = a.observed.get(node) ?? new Map<ResourceKey, ObservedResource>();
  a.observed.set(node, m);
  const after = item.op === "delete" ? undefined : (res.observed ?? { key: item.key, apiType: cmd.apiType, state: "Active", generation: item.generation, ...(incarnation !== undefined ? { incarnation } : {}), details: {}, node });
  if (after === undefined) m.delete(item.key);
  else m.set(item.key, after);
  a.ctx.state.recent.record(node, item.key, after, Date.now());
}

function groupOf(key: ResourceKey): string | undefined {
  const parts = key.split("/");
  return parts.length >= 4 ? parts[2] : undefined;
}

function namespaceOf(key: ResourceKey): string | undefined {
  const parts = key.split("/");
  return parts.length >= 5 ? parts[3] : undefined;
}
