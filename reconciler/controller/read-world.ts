/**
 * A sync: reads the latest desired state (the manifests commit) and observed state (nodes,
 * inventories, recent command results) and computes, with the pure core, what every key
 * needs: the gate (typo never deletes, mass-delete guard, held deletes), generations,
 * placement and the work items. The result, a World, is what every per-key reconcile reads
 * until the next sync replaces it (level-based: nothing is taken from an event's payload).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { NodeInfo, NodeInventory } from "../bus/controller-bus.js";
import type { LoadResult } from "../manifest/types.js";
import type { ControllerState } from "./controller-state.js";
import { gatePlan, type Gate } from "./gate-plan.js";
import { nextGeneration, specHash } from "./generations.js";
import { assignIncarnations, currentIncarnationView } from "./incarnations.js";
import type { PlacementClaims } from "./placement-claims.js";
import { cordonedNodes, placeResources, type Placement } from "./placement.js";
import { planWork, type WorkItem } from "./plan-work.js";
import type { ControllerDeps } from "./ports.js";

/** The latest facts, as of one sync; `observed` is updated in place by command results. */
export interface World {
  readonly commit: string;
  /** The gated load: invalid resources moved to `invalidKeys`. */
  readonly load: LoadResult;
  readonly gate: Gate;
  readonly generations: ReadonlyMap<ResourceKey, number>;
  readonly hashes: ReadonlyMap<ResourceKey, string>;
  /** Each desired resource's incarnation (incarnations.ts). */
  readonly incarnations: ReadonlyMap<ResourceKey, string>;
  /** Keys that got a new incarnation in this sync (declared again after their deletion). */
  readonly minted: ReadonlySet<ResourceKey>;
  readonly placement: Placement;
  /** What the nodes report, without the objects of another incarnation where a resource is placed. */
  readonly observed: Map<string, Map<ResourceKey, ObservedResource>>;
  readonly nodes: readonly NodeInfo[];
  /** The work every key needs: item id (`key@node`) -> item. */
  readonly items: ReadonlyMap<string, WorkItem>;
}

/** What a sync reads from. */
export interface SyncContext {
  readonly deps: ControllerDeps;
  readonly state: ControllerState;
  readonly claims: PlacementClaims;
  readonly inventoryGraceMs: number;
  readonly loadCached: (commit: string) => Promise<LoadResult>;
}

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

/** Runs one sync; rejects when the source or the bus cannot be read (the caller backs off). */
export async function readWorld(ctx: SyncContext): Promise<World> {
  const { deps, state } = ctx;
  const t0 = performance.now();
  const { commit } = await deps.source.fetch();
  deps.metrics?.gitFetch?.((performance.now() - t0) / 1000);
  if (!state.restored) state.restore((await deps.status.read())?.files ?? new Map());
  const [nodes, inventories] = await Promise.all([deps.bus.nodes(), deps.bus.inventories()]);
  const [loaded, commitMessage] = await Promise.all([ctx.loadCached(commit), deps.source.commitMessage(commit)]);
  // No await from here on: a command result recorded while this sync read is laid over now.
  const observedAll = observedByNode(nodes, inventories);
  state.recent.overlay(observedAll, Date.now(), ctx.inventoryGraceMs);
  const gate = gatePlan({ load: loaded, previous: state.statuses, observed: observedAll, commitMessage });
  const load = gate.load;
  const { generations, hashes } = generationsOf(load, state);
  const incarnations = assignIncarnations(load, state.statuses);
  const placement = placeResources({ desired: [...load.resources.values()], nodes, previous: ctx.claims.previous(state.previousPlacement()), requests: deps.requests, cordoned: cordonedNodes(load) });
  ctx.claims.record(placement, (k) => !k.startsWith("systemv0/network/"));
  state.forgetEarlierLives(incarnations.minted, placement.nodes);
  const observed = currentIncarnationView(observedAll, incarnations.of, placement.nodes);
  const items = planWork({ load, generations, placement: placement.nodes, observed, clusterApplied: state.clusterApplied, previous: state.statuses, stalled: state.stalled, mayDelete: (k) => load.resources.has(k) || gate.deletable.has(k) });
  return { commit, load, gate, generations, hashes, incarnations: incarnations.of, minted: incarnations.minted, placement, observed, nodes, items: new Map(items.map((i) => [i.id, i])) };
}

