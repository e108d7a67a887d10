/**
 * The node's inventory as nodectl shows it: every driver's `inventory()` over the last
 * commands, kind by kind. The same function runs inside the agent (live drivers, with their
 * in-flight states) and in nodectl when the agent is down (fresh drivers reading the host), so
 * both views mean the same thing.
 */
import type { ApiType } from "../../schemas/kinds.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { NetworkDriver } from "../net/network-driver.js";
import { RouterDriver } from "../net/router-driver.js";
import { BlockStorageDriver } from "../storage/blockstorage-driver.js";
import { ImageEntityDriver } from "../storage/imageentity-driver.js";
import { VmDriver } from "../vm/vm-driver.js";

/** One kind's part of the inventory. */
export interface KindInventory {
  readonly apiType: ApiType;
  readonly resources: readonly ObservedResource[];
  /** Host objects named like humops' that no command declares, in the driver's words (`link hmb...`, `tap:hmt...`, a path...). */
  readonly orphans: readonly string[];
  /** Set when the driver could not read the host; resources and orphans are then empty. */
  readonly error?: string;
}

/** The whole node's inventory. */
export interface NodeInventory {
  /** `agent`: from the running agent's drivers; `host`: read by nodectl itself. */
  readonly source: "agent" | "host";
  /** ISO time of the read. */
  readonly readAt: string;
  /** The last command of every resource declared on this node. */
  readonly known: readonly ResourceCommand[];
  readonly kinds: readonly KindInventory[];
}

/**
 * Fresh drivers of every kind, for reading the host when the agent is down. They hold no
 * in-flight state, so a disk being downloaded right now shows as missing, not Downloading.
 */
export function hostDrivers(): ResourceDriver[] {
  return [new NetworkDriver(), new RouterDriver(), new BlockStorageDriver(), new ImageEntityDriver(), new VmDriver({ accelerator: "tcg" })];
}

/**
 * Runs every driver's inventory over the commands of its kind. Never throws: a driver that
 * fails is reported with `error` so the other kinds still show.
 */
export async function collectInventory(opts: {
  drivers: readonly ResourceDriver[];
  ctx: DriverContext;
  known: readonly ResourceCommand[];
  source: "agent" | "host";
  now?: () => Date;
}): Promise<NodeInventory> {
  const kinds: KindInventory[] = [];
  for (const d of opts.drivers) {
    const mine = opts.known.filter((c) => c.apiType === d.apiType);
    try {
      const inv = await d.inventory(opts.ctx, mine);
      kinds.push({ apiType: d.apiType, resources: inv.resources, orphans: inv.orphans });
    } catch (e: unknown) {
      opts.ctx.log.warn({ err: e, apiType: d.apiType }, "inventory failed");
      kinds.push({ apiType: d.apiType, resources: [], orphans: [], error: (e as Error).message });
    }
  }
  return { source: opts.source, readAt: (opts.now ?? (() => new Date()))().toISOString(), known: opts.known, kinds };
}
