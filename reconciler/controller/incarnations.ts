/**
 * Incarnations (issue #11): which life of a resource the controller is reconciling. A resource
 * gets an incarnation id when it first appears in the desired state and keeps it in its status
 * file (restored at start, like Kubernetes' metadata.uid); it gets a NEW one when it is
 * declared again after its deletion. The controller knows a deletion happened in two ways:
 *
 * - the status file is gone (a completed delete drops it, and a restarted controller reads
 *   the status branch back): no previous status means a new incarnation;
 * - the previous status says `Deleting` (removed from the manifests, the delete sent or still
 *   under way): declared again now, it is a new life too.
 *
 * Command ids include the incarnation, so the agents never answer a re-declared resource from
 * the earlier life's results (the bug: a `duplicate` with the old, dead pid). Observed state of
 * another incarnation on a node the resource is placed on is not the resource: the round sees
 * it as not yet created there (status shows nothing of it, the apply is sent, and the agent
 * adopts the host object under the new incarnation). Pure, except `mint`.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { LoadResult } from "../manifest/types.js";
import type { ResourceStatus } from "../status/types.js";

/** The round's incarnation per desired key, and the keys that got a new one this round. */
export interface Incarnations {
  readonly of: ReadonlyMap<ResourceKey, string>;
  readonly minted: ReadonlySet<ResourceKey>;
}

/** A fresh incarnation id (fits the protocol's `incarnation` pattern). */
export function mintIncarnation(): string {
  return randomUUID();
}

/** Keeps each desired resource's incarnation, or mints one (see the file header for when). */
export function assignIncarnations(load: Pick<LoadResult, "resources">, previous: ReadonlyMap<ResourceKey, ResourceStatus>, mint: () => string = mintIncarnation): Incarnations {
  const of = new Map<ResourceKey, string>();
  const minted = new Set<ResourceKey>();
  for (const key of load.resources.keys()) {
    const prev = previous.get(key);
    if (prev?.incarnation !== undefined && prev.state !== "Deleting") {
      of.set(key, prev.incarnation);
      continue;
    }
    of.set(key, mint());
    minted.add(key);
  }
  return { of, minted };
}

/** True when `o` belongs to another life than `incarnation` (unknown on either side: a legacy peer, same life). */
export function isOtherIncarnation(o: ObservedResource, incarnation: string | undefined): boolean {
  return incarnation !== undefined && o.incarnation !== undefined && o.incarnation !== incarnation;
}

/**
 * The observed state the round works with: `observed` without the objects of another
 * incarnation of a desired resource on the nodes it is placed on. Elsewhere they stay, so the
 * delete of a resource that moved still finds them. New maps; `observed` is not changed.
 */
export function currentIncarnationView(
  observed: ReadonlyMap<string, ReadonlyMap<ResourceKey, ObservedResource>>,
  incarnations: ReadonlyMap<ResourceKey, string>,
  placement: ReadonlyMap<ResourceKey, readonly string[]>,
): Map<string, Map<ResourceKey, ObservedResource>> {
  const out = new Map<string, Map<ResourceKey, ObservedResource>>();
  for (const [node, m] of observed) {
    const kept = new Map<ResourceKey, ObservedResource>();
    for (const [key, o] of m) {
      if (isOtherIncarnation(o, incarnations.get(key)) && (placement.get(key) ?? []).includes(node)) continue;
      kept.set(key, o);
    }
    out.set(node, kept);
  }
  return out;
}

/**
 * The command id: a hash of the item (resource and node), op, generation, incarnation, the
 * controller run and the send attempt. The run id (random per controller process) keeps a
 * restarted controller, whose attempt counters start again at 0, from re-using an id the agent
 * already answered for an earlier command (issue #11).
 */
export function commandIdOf(o: { itemId: string; op: string; generation: number; incarnation: string | undefined; runId: string; attempt: number }): string {
  return createHash("sha256").update(`${o.itemId}\0${o.op}\0${o.generation}\0${o.incarnation ?? ""}\0${o.runId}\0${o.attempt}`).digest("hex").slice(0, 32);
}
