/**
 * Ceph image entities: a full `rbd cp` of the source disk (so the entity outlives it) with a
 * protected snapshot `base` that BaseImage disks clone. The sha256 is that of an `rbd export`
 * of the image, streamed from a temporary file in the image store.
 */
import { join } from "node:path";
import type { DriverContext } from "../driver.js";
import { runChecked } from "../host/host-runner.js";
import type { EntityRecord } from "./base-image.js";
import { inspectRbdImage } from "./ceph-disk-backend.js";
import type { ImageEntityContext } from "./context.js";
import { DiskInUseError, StorageError } from "./errors.js";
import { ensureDir, fileSize, removeFile, sha256File } from "./file-io.js";
import { RBD_BASE_SNAPSHOT, rbdDiskName, rbdEntityName, type DiskId, type EntityId } from "./layout.js";
import type { CephTarget } from "./qemu-img.js";
import { parseRbdChildren, rbdChildren, rbdCopy, rbdExport, rbdRemove, rbdRename, rbdSnap } from "./rbd.js";

function cephOf(ctx: DriverContext): CephTarget {
  if (!ctx.node.ceph) throw new StorageError("CEPH_NOT_CONFIGURED", "image entity on Ceph, but this node has no Ceph configuration");
  return ctx.node.ceph;
}

/** Quietly removes an entity image with its snapshot (a leftover of an interrupted copy). */
async function purge(ctx: DriverContext, ceph: CephTarget, image: string): Promise<void> {
  await ctx.runner.run(rbdSnap(ceph, "unprotect", image, RBD_BASE_SNAPSHOT), { signal: ctx.signal });
  await ctx.runner.run(rbdSnap(ceph, "rm", image, RBD_BASE_SNAPSHOT), { signal: ctx.signal });
  await ctx.runner.run(rbdRemove(ceph, image), { signal: ctx.signal });
}

/** Copies a Ceph disk into an entity image with a protected `base` snapshot; resolves with its record. */
export async function copyCephEntity(key: string, e: EntityId, ictx: ImageEntityContext, src: DiskId, ctx: DriverContext): Promise<EntityRecord> {
  const ceph = cephOf(ctx);
  const from = rbdDiskName(src);
  const info = await inspectRbdImage(ctx.runner, ceph, from, ctx.signal);
  if (!info) throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} does not exist in pool ${ceph.pool}`, { resource: key });
  if (info.heldBy) throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} is held by ${info.heldBy}`, { resource: key });
  const name = rbdEntityName(e);
  await purge(ctx, ceph, `${name}.part`);
  await purge(ctx, ceph, name);
  await runChecked(ctx.runner, rbdCopy(ceph, from, `${name}.part`), { signal: ctx.signal });
  const tmpDir = join(ctx.node.imageDir, ".tmp");
  await ensureDir(tmpDir);
  const tmp = join(tmpDir, `${name}.raw`);
  let sha256: string;
  let sizeBytes: number;
  try {
    await removeFile(tmp);
    await runChecked(ctx.runner, rbdExport(ceph, `${name}.part`, tmp), { signal: ctx.signal });
    sha256 = await sha256File(tmp);
    sizeBytes = (await fileSize(tmp)) ?? 0;
  } finally {
    await removeFile(tmp);
  }
  await runChecked(ctx.runner, rbdRename(ceph, `${name}.part`, name), { signal: ctx.signal });
  await runChecked(ctx.runner, rbdSnap(ceph, "create", name, RBD_BASE_SNAPSHOT), { signal: ctx.signal });
  await runChecked(ctx.runner, rbdSnap(ceph, "protect", name, RBD_BASE_SNAPSHOT), { signal: ctx.signal });
  return { key, type: "Ceph", sha256, sizeBytes, format: "raw", location: `rbd:${ceph.pool}/${name}@${RBD_BASE_SNAPSHOT}`, sourceDisk: ictx.sourceDisk.key };
}

/** Removes a Ceph entity; refuses (DiskInUseError) while clones of its snapshot exist. */
export async function removeCephEntity(key: string, e: EntityId, ctx: DriverContext): Promise<void> {
  const ceph = cephOf(ctx);
  const name = rbdEntityName(e);
  const res = await ctx.runner.run(rbdChildren(ceph, name, RBD_BASE_SNAPSHOT), { signal: ctx.signal });
  const children = res.exitCode === 0 ? parseRbdChildren(res.stdout) : [];
  if (children.length > 0) throw new DiskInUseError({ resource: key, usedBy: `clones ${children.join(", ")}` });
  await purge(ctx, ceph, name);
  await purge(ctx, ceph, `${name}.part`);
}
