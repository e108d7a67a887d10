/**
 * The blockstorage inventory: every disk humops declared that exists on this node (Local
 * files and, when Ceph is configured, RBD images), its size, allocation, backing chain and
 * whether a VM holds it; plus humops-named disks nothing declares (orphans).
 */
import type { DriverContext, ObservedResource, ResourceCommand } from "../driver.js";
import { backendFor, observed, type DiskState } from "./disk-observed.js";
import { parseBlockStorageContext } from "./context.js";
import type { DiskBackend } from "./disk-backend.js";
import { parseDiskSpec, type DiskSpec } from "./disk-spec.js";
import type { OperationProgress } from "../../schemas/protocol/messages.js";
import { localDiskPath, partPath, rbdDiskName } from "./layout.js";

/** The driver's in-memory view: commands running now and the last failure per key. */
export interface DiskRuntimeState {
  readonly inFlight: ReadonlyMap<string, DiskState>;
  /** How far each running download or copy is (protocol 1.3): shown as `details.progress` (nodectl ls). */
  readonly progress?: ReadonlyMap<string, OperationProgress>;
  readonly failures: ReadonlyMap<string, { reason: string; message: string; generation: number }>;
}

function specs(known: readonly ResourceCommand[]): Array<{ cmd: ResourceCommand; spec: DiskSpec }> {
  const out: Array<{ cmd: ResourceCommand; spec: DiskSpec }> = [];
  for (const cmd of known) {
    try {
      out.push({ cmd, spec: parseDiskSpec(cmd) });
    } catch {
      // An invalid command cannot name a host object; its failure is reported by apply.
    }
  }
  return out;
}

/** The name a backend's list() gives a declared disk. */
function nameOf(ctx: DriverContext, spec: DiskSpec): string {
  return spec.type === "Local" ? localDiskPath(ctx.node.blockStorageDir, spec.disk) : rbdDiskName(spec.disk);
}

async function observeOne(ctx: DriverContext, backend: DiskBackend, cmd: ResourceCommand, spec: DiskSpec, rt: DiskRuntimeState): Promise<ObservedResource | undefined> {
  const running = rt.inFlight.get(cmd.key);
  if (running && running !== "Active") {
    const progress = rt.progress?.get(cmd.key);
    return { key: cmd.key, apiType: "systemv0/blockstorage", state: running, node: ctx.node.nodeName, details: progress !== undefined ? { progress } : {} };
  }
  const info = await backend.inspect(spec.disk, ctx.signal);
  if (info) {
    let usedBy: string | undefined;
    try {
      usedBy = parseBlockStorageContext(cmd.context).usedBy;
    } catch {
      usedBy = undefined;
    }
    return observed(cmd, spec, info, usedBy ?? info.heldBy, ctx.node.nodeName);
  }
  const failure = rt.failures.get(cmd.key);
  if (!failure) return undefined;
  return { key: cmd.key, apiType: "systemv0/blockstorage", state: "Error", reason: failure.reason, message: failure.message, generation: failure.generation, node: ctx.node.nodeName, details: {} };
}

/**
 * Reads every backend this node has: declared disks become resources, undeclared humops-named
 * disks and stale `.part` leftovers become orphans (paths, or `rbd:POOL/NAME`). Retained disks
 * are neither (see listRetained).
 */
export async function diskInventory(ctx: DriverContext, known: readonly ResourceCommand[], rt: DiskRuntimeState): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
  const resources: ObservedResource[] = [];
  const orphans: string[] = [];
  const declared = specs(known);
  for (const type of ctx.node.ceph ? (["Local", "Ceph"] as const) : (["Local"] as const)) {
    const backend = backendFor(type, ctx.node, ctx.runner);
    const mine = declared.filter((d) => d.spec.type === type);
    for (const { cmd, spec } of mine) {
      const o = await observeOne(ctx, backend, cmd, spec, rt);
      if (o) resources.push(o);
    }
    const names = new Set(mine.map((d) => nameOf(ctx, d.spec)));
    const busy = new Set(mine.filter((d) => rt.inFlight.has(d.cmd.key)).map((d) => (type === "Local" ? partPath(nameOf(ctx, d.spec)) : `${nameOf(ctx, d.spec)}.part`)));
    const listed = await backend.list(ctx.signal);
    const prefix = type === "Ceph" ? `rbd:${ctx.node.ceph?.pool ?? ""}/` : "";
    for (const d of listed.disks) if (!names.has(d.name)) orphans.push(prefix + d.name);
    for (const p of listed.parts) if (!busy.has(p)) orphans.push(prefix + p);
  }
  return { resources, orphans };
}

/** Every retained disk on this node (Local paths and `rbd:POOL/NAME`), for nodectl and reports. */
export async function listRetained(ctx: Pick<DriverContext, "node" | "runner" | "signal">): Promise<string[]> {
  const out: string[] = [];
  for (const type of ctx.node.ceph ? (["Local", "Ceph"] as const) : (["Local"] as const)) {
    const listed = await backendFor(type, ctx.node, ctx.runner).list(ctx.signal);
    out.push(...listed.retained.map((n) => (type === "Ceph" ? `rbd:${ctx.node.ceph?.pool ?? ""}/${n}` : n)));
  }
  return out;
}
