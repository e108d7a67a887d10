/**
 * Reads the node's full inventory from every driver, in the protocol's shape (sorted, so two
 * reads of an unchanged host are byte-identical and "changed" is a string comparison). When a
 * driver cannot read the host, the read fails as a whole: publishing a partial inventory would
 * tell the controller that resources vanished.
 */
import type { NodeInventory } from "../../schemas/protocol/messages.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { checkedObserved } from "./checked-observed.js";
import { inventoryWithIncarnations } from "./incarnation.js";

/** The outcome of one read. */
export type InventoryRead =
  | { ok: true; inventory: NodeInventory }
  | { ok: false; failures: Array<{ apiType: string; error: unknown }> };

/** Runs every driver's inventory over the known commands of its kind. Never throws. */
export async function readInventory(
  drivers: readonly ResourceDriver[],
  ctx: DriverContext,
  known: readonly ResourceCommand[],
): Promise<InventoryRead> {
  const resources: ObservedResource[] = [];
  const orphans = new Set<string>();
  const failures: Array<{ apiType: string; error: unknown }> = [];
  for (const d of drivers) {
    try {
      const inv = await d.inventory(ctx, known.filter((c) => c.apiType === d.apiType));
      for (const r of inventoryWithIncarnations(inv.resources, known)) resources.push(checkedObserved(r.node === undefined ? { ...r, node: ctx.node.nodeName } : r));
      for (const o of inv.orphans) orphans.add(o);
    } catch (error) {
      failures.push({ apiType: d.apiType, error });
    }
  }
  if (failures.length > 0) return { ok: false, failures };
  resources.sort((a, b) => a.key.localeCompare(b.key));
  return { ok: true, inventory: { node: ctx.node.nodeName, resources, orphans: [...orphans].sort() } };
}
