/**
 * The imageentity inventory (Available entities with their recorded sha256, and orphans:
 * entity files or RBD images nothing declares), and the disks that depend on a Local entity.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DriverContext, ObservedResource, ResourceCommand } from "../driver.js";
import { runChecked } from "../host/host-runner.js";
import { readEntityRecord, type EntityRecord } from "./base-image.js";
import { LocalDiskBackend, inspectImageFile } from "./local-disk-backend.js";
import { entityPath, isSafeIdPart, rbdEntityName } from "./layout.js";
import { parseRbdList, rbdList } from "./rbd.js";

/** The entity driver's in-memory view. */
export interface EntityRuntimeState {
  readonly inFlight: ReadonlyMap<string, string>;
  readonly failures: ReadonlyMap<string, { reason: string; message: string; generation: number }>;
}

async function listDir(dir: string): Promise<Array<{ name: string; isDir: boolean }>> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((d) => ({ name: d.name, isDir: d.isDirectory() }));
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** The ObservedResource of an Available entity. */
export function entityObserved(cmd: Pick<ResourceCommand, "key" | "generation" | "spec">, rec: EntityRecord, node: string): ObservedResource {
  return {
    key: cmd.key,
    apiType: "systemv0/imageentity",
    state: "Available",
    generation: cmd.generation,
    node,
    spec: cmd.spec,
    details: { type: rec.type, location: rec.location, sha256: rec.sha256, sizeBytes: rec.sizeBytes, format: rec.format, sourceDisk: rec.sourceDisk },
  };
}

async function observeOne(ctx: DriverContext, cmd: ResourceCommand, rt: EntityRuntimeState): Promise<ObservedResource | undefined> {
  const node = ctx.node.nodeName;
  const running = rt.inFlight.get(cmd.key);
  if (running) return { key: cmd.key, apiType: "systemv0/imageentity", state: running, node, details: {} };
  if (!isSafeIdPart(cmd.group ?? "") || !isSafeIdPart(cmd.id)) return undefined;
  const rec = await readEntityRecord(ctx.node.imageDir, { group: cmd.group ?? "", id: cmd.id });
  if (rec) {
    return entityObserved(cmd, rec, node);
  }
  const f = rt.failures.get(cmd.key);
  return f ? { key: cmd.key, apiType: "systemv0/imageentity", state: "Error", reason: f.reason, message: f.message, generation: f.generation, node, details: {} } : undefined;
}

/** Declared entities found on this node, and humops entity files / RBD images nothing declares. */
export async function entityInventory(ctx: DriverContext, known: readonly ResourceCommand[], rt: EntityRuntimeState): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
  const resources: ObservedResource[] = [];
  for (const cmd of known) {
    const o = await observeOne(ctx, cmd, rt);
    if (o) resources.push(o);
  }
  const safe = known.filter((c) => isSafeIdPart(c.group ?? "") && isSafeIdPart(c.id));
  const declared = new Set(safe.map((c) => entityPath(ctx.node.imageDir, { group: c.group ?? "", id: c.id })));
  const busy = new Set(safe.filter((c) => rt.inFlight.has(c.key)).map((c) => `${entityPath(ctx.node.imageDir, { group: c.group ?? "", id: c.id })}.part`));
  const orphans: string[] = [];
  for (const g of await listDir(ctx.node.imageDir)) {
    if (!g.isDir || g.name.startsWith(".")) continue;
    for (const f of await listDir(join(ctx.node.imageDir, g.name))) {
      const p = join(ctx.node.imageDir, g.name, f.name);
      if (f.name.endsWith(".qcow2") && !declared.has(p)) orphans.push(p);
      if (f.name.endsWith(".qcow2.part") && !busy.has(p)) orphans.push(p);
    }
  }
  if (ctx.node.ceph) {
    const names = new Set(safe.map((c) => rbdEntityName({ group: c.group ?? "", id: c.id })));
    const all = parseRbdList((await runChecked(ctx.runner, rbdList(ctx.node.ceph), { signal: ctx.signal })).stdout);
    for (const n of all) if (n.startsWith("hmimg-") && !names.has(n)) orphans.push(`rbd:${ctx.node.ceph.pool}/${n}`);
  }
  return { resources, orphans };
}

/** Local disks whose backing chain contains `entityFile` (they would break if it went away). */
export async function localDependants(ctx: DriverContext, entityFile: string): Promise<string[]> {
  const backend = new LocalDiskBackend(ctx.runner, ctx.node.blockStorageDir);
  const users: string[] = [];
  for (const d of (await backend.list()).disks) {
    const info = await inspectImageFile(ctx.runner, d.name, ctx.signal);
    if (info?.backingChain.includes(entityFile)) users.push(d.name);
  }
  return users;
}
