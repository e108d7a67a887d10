/**
 * The per-key reconcile (issue #11): one (resource, node) item, read from the LATEST world.
 * Laid out like the round was: look up the work -> early exits (nothing to do any more,
 * dependencies not ready or not gone: wait for them) -> apply or delete -> record the outcome.
 * A dependency's own success wakes what waits for it.
 *
 * The contract with the queue (work-queue.ts): resolve `{}` when done, `{ requeueAfterMs }` to
 * come back (waiting for a node, a dependency or an operation), reject to back off. An agent of
 * protocol 1.3 accepts a long command and finishes it on its own: the worker records the
 * operation (operations.ts) and returns `{ requeueAfterMs }` at once; the completion re-adds the
 * key, whose next reconcile takes the result (apply-on-node.ts).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import { CLUSTER_APPLIED } from "./dependencies.js";
import { TerminalError, toResult, WaitingError } from "./errors.js";
import { applyReason, evaluateOnNodes } from "./evaluate.js";
import { isOtherIncarnation } from "./incarnations.js";
import type { ItemOutcome } from "./execute-work.js";
import type { PlacementClaims } from "./placement-claims.js";
import type { WorkItem } from "./plan-work.js";
import { recordClusterLevel, type RoundContext } from "./reconcile-round.js";
import { applyOnNode, cancelOnNode } from "./apply-on-node.js";
import type { World } from "./read-world.js";
import type { QueueResult } from "./work-queue.js";

/** What a key's reconcile reads and records. */
export interface KeyContext {
  readonly ctx: RoundContext;
  /** The latest world (the last sync's, with command results since). */
  world(): World | undefined;
  readonly claims: PlacementClaims;
  /** The last outcome of every item id, for the status. */
  readonly outcomes: Map<string, ItemOutcome>;
  /** Item ids waiting for a key: dependency key -> ids. */
  readonly waiters: Map<ResourceKey, Set<string>>;
  /** Enqueues the ids waiting for `key` (it just became ready or gone). */
  wake(key: ResourceKey): void;
  /** Counts a command sent. */
  sent(): void;
}

/** How long a key waits for a dependency before it looks again on its own (it is also woken when the dependency is done). */
const DEPENDENCY_WAIT_MS = 5_000;

function isReady(w: World, k: KeyContext, key: ResourceKey): boolean {
  const r = w.load.resources.get(key);
  if (r === undefined) return false;
  const gen = w.generations.get(key) ?? 1;
  if (CLUSTER_APPLIED.has(r.apiType)) return k.ctx.state.clusterApplied.get(key) === gen;
  const nodes = w.placement.nodes.get(key);
  return nodes !== undefined && evaluateOnNodes({ r, generation: gen, nodes, observed: w.observed, isNodeReady: (n) => w.nodes.some((x) => x.name === n && x.ready) }).ready;
}

function isGone(w: World, k: KeyContext, key: ResourceKey, node: string | undefined): boolean {
  return node !== undefined ? !w.observed.get(node)?.has(key) : !k.ctx.state.clusterApplied.has(key) && ![...w.observed.values()].some((m) => m.has(key));
}

/** The item as it stands now, or undefined when nothing is left to do (level-based: re-checked against the latest observed). */
function currentWork(w: World, k: KeyContext, id: string): WorkItem | undefined {
  const item = w.items.get(id);
  if (item === undefined) return undefined;
  const { state } = k.ctx;
  if (item.node === undefined) return (item.op === "apply" ? state.clusterApplied.get(item.key) !== item.generation : state.clusterApplied.has(item.key)) ? item : undefined;
  if (item.op === "delete") return w.observed.get(item.node)?.has(item.key) ? item : undefined;
  if (item.desired === undefined || state.stalled.get(item.key) === item.generation) return undefined;
  const prev = state.statuses.get(item.key);
  const reason = applyReason({ r: item.desired, generation: item.generation, observed: w.observed.get(item.node)?.get(item.key), wasApplied: prev !== undefined && prev.generation === item.generation && prev.ready });
  // The sync's reason stands (it read the statuses from before this work, which tell drift from a create).
  return reason === undefined ? undefined : item;
}

/** True when `key` is declared and placed on `node` in `w`. */
function isWantedOn(w: World, key: ResourceKey, node: string): boolean {
  return w.load.resources.has(key) && (w.placement.nodes.get(key) ?? []).includes(node);
}

function park(k: KeyContext, item: WorkItem, unmet: readonly ResourceKey[]): QueueResult {
  for (const d of unmet) {
    const set = k.waiters.get(d) ?? new Set<string>();
    set.add(item.id);
    k.waiters.set(d, set);
  }
  const err = new WaitingError("DependencyNotReady", `waiting for ${unmet.join(", ")}`, DEPENDENCY_WAIT_MS);
  k.outcomes.set(item.id, { ok: false, item, error: err, disposition: toResult(err) });
  return { requeueAfterMs: DEPENDENCY_WAIT_MS };
}

/** Reconciles item `id`; see the file header. */
export async function reconcileKey(k: KeyContext, id: string, signal: AbortSignal): Promise<QueueResult> {
  const w = k.world();
  const item = w === undefined ? undefined : currentWork(w, k, id);
  if (w === undefined || item === undefined) {
    // Done already (the inventory shows it, e.g. after a lost completion) or no longer wanted.
    const rec = k.ctx.state.operations.get(id);
    if (w !== undefined && rec !== undefined && rec.cmd.op === "apply" && rec.result === undefined && !isWantedOn(w, rec.cmd.key, rec.node)) return cancelOnNode({ k, w, rec, signal });
    if (rec !== undefined) {
      k.ctx.state.operations.delete(id);
      if (w?.items.has(id) === true) k.wake(w.items.get(id)!.key);
    }
    return {};
  }
  const unmet = item.dependsOn.filter((d) => d !== item.key && (item.op === "apply" ? !isReady(w, k, d) : !isGone(w, k, d, item.node)));
  if (unmet.length > 0) return park(k, item, unmet);
  const { ctx } = k;
  try {
    if (item.node === undefined) recordClusterLevel({ ctx, ...w }, item);
    else {
      const pending = await applyOnNode({ k, w, item, signal });
      if (pending !== undefined) return pending;
      // A sync that ran meanwhile built a newer world from inventories without this result. Lay
      // the results over it, never prune against it: its view already holds results laid over,
      // which would "confirm" themselves and be dropped before the inventory shows them (the
      // double apply, as DriftCorrected, that had the work queue reverted).
      const latest = k.world();
      if (latest !== undefined && latest !== w) ctx.state.recent.layOver(latest.observed, (key, o) => !isOtherIncarnation(o, latest.incarnations.get(key)));
    }
    k.outcomes.set(id, { ok: true, item });
    if (item.reason === "DriftCorrected") ctx.log.info({ resource: item.key, node: item.node }, "DriftCorrected");
    k.wake(item.key);
    return {};
  } catch (e: unknown) {
    if (signal.aborted) throw e;
    k.outcomes.set(id, { ok: false, item, error: e, disposition: toResult(e) });
    if (item.op === "apply" && item.node !== undefined && !w.observed.get(item.node)?.has(item.key)) k.claims.release(item.key);
    ctx.log.warn({ resource: item.key, node: item.node, err: e }, "reconcile failed");
    if (e instanceof TerminalError) {
      ctx.state.stalled.set(item.key, item.generation);
      return {};
    }
    if (e instanceof WaitingError) return { requeueAfterMs: e.requeueAfterMs };
    throw e;
  }
}
