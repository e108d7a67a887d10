/**
 * Placement claims (issue #11): the node each single-node resource was given, held by the
 * controller from the moment a sync places it. Workers reconcile in parallel, and a resource's
 * status records its node only when the status is next built; without claims, a sync that runs
 * while a VM's create is in flight would place it from scratch and could move it (or give its
 * capacity to another VM). Each sync starts from the claims, so placement (placement.ts, pure,
 * one synchronous pass with a capacity ledger) never counts a node's capacity twice. A claim
 * ends when the resource is no longer declared, becomes unschedulable, or its create failed
 * with nothing on the node.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { Placement } from "./placement.js";

/** The controller's claims: key -> node. Single-threaded: every method is synchronous. */
export class PlacementClaims {
  private readonly claims = new Map<ResourceKey, string>();

  /** Sticky placements for placeResources: `fromStatus` overlaid with the claims. */
  previous(fromStatus: ReadonlyMap<ResourceKey, string>): Map<ResourceKey, string> {
    const out = new Map(fromStatus);
    for (const [k, n] of this.claims) out.set(k, n);
    return out;
  }

  /** Records a sync's placement of single-node kinds; releases what is not placed any more. */
  record(placement: Placement, isSingleNode: (key: ResourceKey) => boolean): void {
    for (const k of [...this.claims.keys()]) if (!placement.nodes.has(k)) this.claims.delete(k);
    for (const [k, nodes] of placement.nodes) if (isSingleNode(k) && nodes[0] !== undefined) this.claims.set(k, nodes[0]);
  }

  /** Releases `key`'s claim (its create failed and nothing of it is on the node). */
  release(key: ResourceKey): void {
    this.claims.delete(key);
  }

  get(key: ResourceKey): string | undefined {
    return this.claims.get(key);
  }
}
