/**
 * What the controller learnt from command results, laid over the nodes' inventories for a
 * while: an agent publishes its inventory some time after it answers a command, so the next
 * round may read an inventory that does not show the change yet. Without this overlay that
 * stale inventory would look like drift and the command would be sent again. An entry ends
 * when the inventory catches up or after `graceMs` (then the inventory is believed: a
 * resource still missing is real drift).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";

interface Entry {
  readonly observed: ObservedResource | undefined;
  readonly atMs: number;
}

/** Recent command results per (node, key). */
export class RecentResults {
  private readonly entries = new Map<string, Entry & { node: string; key: ResourceKey }>();

  /** Records an applied resource as the agent reported it, or a delete (`observed` undefined). */
  record(node: string, key: ResourceKey, observed: ObservedResource | undefined, nowMs: number): void {
    this.entries.set(`${node}\0${key}`, { node, key, observed, atMs: nowMs });
  }

  /**
   * A sync's read: drops the entries the inventories confirm or that expired, then lays the
   * rest over `observed` (node -> key -> resource, in place). `observed` must be what the
   * nodes report, with nothing laid over yet: a value laid over earlier would "confirm" itself.
   */
  overlay(observed: Map<string, Map<ResourceKey, ObservedResource>>, nowMs: number, graceMs: number): void {
    this.prune(observed, nowMs, graceMs);
    this.layOver(observed);
  }

  /** Drops the entries `inventory` (what the nodes report, nothing laid over) confirms, and those older than `graceMs`. */
  prune(inventory: ReadonlyMap<string, ReadonlyMap<ResourceKey, ObservedResource>>, nowMs: number, graceMs: number): void {
    for (const [id, e] of this.entries) {
      const inv = inventory.get(e.node)?.get(e.key);
      // Another incarnation's object does not confirm this one (generations restart at 1 with a new life).
      const sameLife = inv !== undefined && (e.observed?.incarnation === undefined || inv.incarnation === e.observed.incarnation);
      const confirmed = e.observed === undefined ? inv === undefined : sameLife && (inv.generation ?? -1) >= (e.observed.generation ?? 0);
      if (confirmed || nowMs - e.atMs > graceMs) this.entries.delete(id);
    }
  }

  /**
   * Lays the live entries over `observed` in place, and never drops one: a view that already
   * holds results laid over confirms nothing. `keep` may refuse an entry (another life's).
   */
  layOver(observed: Map<string, Map<ResourceKey, ObservedResource>>, keep: (key: ResourceKey, o: ObservedResource) => boolean = () => true): void {
    for (const e of this.entries.values()) {
      const m = observed.get(e.node);
      if (m === undefined) continue;
      if (e.observed === undefined) m.delete(e.key);
      else if (keep(e.key, e.observed)) m.set(e.key, e.observed);
    }
  }
}
