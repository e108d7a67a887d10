/**
 * Incarnations on the agent side (docs/protocol.md "Incarnations", issue #11). A resource
 * deleted and declared again is a new incarnation: the controller's command ids include it,
 * so the re-declared resource's commands are never answered from the earlier one's results.
 * The agent records the incarnation of the last command per resource (its state file holds
 * the command) and reports it back on what it observes, so the controller can tell an object
 * of an earlier life from the current one. A command without one is a legacy controller's:
 * nothing is added, nothing is compared. Pure.
 */
import type { ObservedResource, ResourceCommand } from "../driver.js";

/** `o` with the incarnation of the command it came from (unchanged when the command has none). */
export function withIncarnation(o: ObservedResource, cmd: Pick<ResourceCommand, "incarnation"> | undefined): ObservedResource {
  return cmd?.incarnation === undefined ? o : { ...o, incarnation: cmd.incarnation };
}

/**
 * True when `cmd` is a delete meant for another incarnation than the one this node last
 * applied (`current`, from the state file): a late re-delivery of an earlier life's delete must
 * not remove the resource as declared now. Unknown on either side: not stale.
 */
export function isStaleDelete(cmd: ResourceCommand & { readonly op: string }, current: ResourceCommand | undefined): boolean {
  return cmd.op === "delete" && cmd.incarnation !== undefined && current?.incarnation !== undefined && current.incarnation !== cmd.incarnation;
}

/** Adds each known command's incarnation to the inventory resource of the same key. */
export function inventoryWithIncarnations(resources: readonly ObservedResource[], known: readonly ResourceCommand[]): ObservedResource[] {
  const byKey = new Map(known.map((c) => [c.key, c]));
  return resources.map((r) => withIncarnation(r, byKey.get(r.key)));
}
