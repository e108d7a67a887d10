/**
 * The `systemv0/imageentity` driver: copies an Active, unused source disk into the node's image
 * store (Local: `qemu-img convert -O qcow2`, which also flattens an overlay's backing chain;
 * Ceph: `rbd cp` plus a protected snapshot `base` that disks clone), records its sha256 and
 * size (`<imageDir>/<group>/<id>.json`) and reports Available. States: Pending, Copying,
 * Available, Deleting, Error.
 */
import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseResourceKey } from "../../schemas/kinds.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { runChecked } from "../host/host-runner.js";
import { readEntityRecord, type EntityRecord } from "./base-image.js";
import { parseImageEntityContext, type ImageEntityContext } from "./context.js";
import { DiskInUseError, StorageError } from "./errors.js";
import { commitFile, ensureDir, fileSize, removeFile, sha256File } from "./file-io.js";
import { assertSafeParts, entityPath, entityRecordPath, localDiskPath, partPath, type DiskId, type EntityId } from "./layout.js";
import { inspectImageFile } from "./local-disk-backend.js";
import { convertImage } from "./qemu-img.js";
import { copyCephEntity, removeCephEntity } from "./ceph-entity.js";
import { entityInventory, entityObserved, localDependants } from "./entity-inventory.js";

export { entityObserved };

/** An imageentity state word (humstack's). */
export type EntityState = "Pending" | "Copying" | "Available" | "Deleting" | "Error";

function entityOf(cmd: ResourceCommand): EntityId {
  const e = { group: cmd.group ?? "", id: cmd.id };
  assertSafeParts([e.group, e.id]);
  return e;
}

function sourceDiskOf(ictx: ImageEntityContext): DiskId {
  const ref = parseResourceKey(ictx.sourceDisk.key);
  if (!ref || ref.apiType !== "systemv0/blockstorage") throw new StorageError("INVALID_SPEC", `${ictx.sourceDisk.key} is not a blockstorage key`);
  return { group: ref.group ?? "", namespace: ref.namespace ?? "", id: ref.id };
}

/** The imageentity ResourceDriver. */
export class ImageEntityDriver implements ResourceDriver {
  readonly apiType = "systemv0/imageentity" as const;
  readonly #inFlight = new Map<string, EntityState>();
  readonly #failures = new Map<string, { reason: string; message: string; generation: number }>();

  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    try {
      const e = entityOf(cmd);
      const existing = await readEntityRecord(ctx.node.imageDir, e);
      if (existing) return entityObserved(cmd, existing, ctx.node.nodeName);
      const ictx = parseImageEntityContext(cmd.context);
      if (ictx.sourceUsedBy) throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} is used by ${ictx.sourceUsedBy}; stop it first`, { resource: cmd.key });
      if (ictx.sourceDisk.state !== undefined && ictx.sourceDisk.state !== "Active") {
        throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} is ${ictx.sourceDisk.state}, not Active`, { resource: cmd.key });
      }
      this.#inFlight.set(cmd.key, "Copying");
      const rec = ictx.sourceDisk.type === "Local" ? await this.#copyLocal(cmd, e, ictx, ctx) : await copyCephEntity(cmd.key, e, ictx, sourceDiskOf(ictx), ctx);
      await writeRecord(ctx.node.imageDir, e, rec);
      this.#failures.delete(cmd.key);
      ctx.log.info({ resource: cmd.key, sha256: rec.sha256 }, "image entity available");
      return entityObserved(cmd, rec, ctx.node.nodeName);
    } catch (err: unknown) {
      const reason = err instanceof StorageError ? err.reason : "HostCommandFailed";
      this.#failures.set(cmd.key, { reason, message: (err as Error).message, generation: cmd.generation });
      throw err;
    } finally {
      this.#inFlight.delete(cmd.key);
    }
  }

  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    const e = entityOf(cmd);
    const rec = await readEntityRecord(ctx.node.imageDir, e);
    const path = entityPath(ctx.node.imageDir, e);
    if (rec?.type === "Ceph") {
      await removeCephEntity(cmd.key, e, ctx);
    } else {
      const users = await localDependants(ctx, path);
      if (users.length > 0) throw new DiskInUseError({ resource: cmd.key, usedBy: `disks backed by it: ${users.join(", ")}` });
    }
    this.#inFlight.set(cmd.key, "Deleting");
    try {
      await removeFile(entityRecordPath(ctx.node.imageDir, e));
      await removeFile(partPath(path));
      await removeFile(path);
      this.#failures.delete(cmd.key);
      ctx.log.info({ resource: cmd.key }, "image entity removed");
    } finally {
      this.#inFlight.delete(cmd.key);
    }
  }

  inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    return entityInventory(ctx, known, { inFlight: this.#inFlight, failures: this.#failures });
  }

  async #copyLocal(cmd: ResourceCommand, e: EntityId, ictx: ImageEntityContext, ctx: DriverContext): Promise<EntityRecord> {
    const src = localDiskPath(ctx.node.blockStorageDir, sourceDiskOf(ictx));
    const info = await inspectImageFile(ctx.runner, src, ctx.signal);
    if (!info) throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} does not exist on this node`, { resource: cmd.key });
    if (info.heldBy) throw new StorageError("SOURCE_NOT_READY", `source disk ${ictx.sourceDisk.key} is held by ${info.heldBy}`, { resource: cmd.key });
    const path = entityPath(ctx.node.imageDir, e);
    const part = partPath(path);
    await ensureDir(dirname(path));
    await removeFile(part);
    try {
      await runChecked(ctx.runner, convertImage({ src, srcFormat: info.format, dest: part, destFormat: "qcow2" }), { signal: ctx.signal });
      const sha256 = await sha256File(part);
      const sizeBytes = (await fileSize(part)) ?? 0;
      await commitFile(part, path);
      return { key: cmd.key, type: "Local", sha256, sizeBytes, format: "qcow2", location: path, sourceDisk: ictx.sourceDisk.key };
    } catch (err: unknown) {
      await rm(part, { force: true });
      throw err;
    }
  }
}

/** Writes an entity's record crash-safely: once it exists, the entity is Available. */
async function writeRecord(imageDir: string, e: EntityId, rec: EntityRecord): Promise<void> {
  const path = entityRecordPath(imageDir, e);
  await ensureDir(dirname(path));
  const tmp = join(dirname(path), `.${e.id}.json.tmp`);
  await writeFile(tmp, JSON.stringify(rec, null, 2) + "\n");
  await commitFile(tmp, path);
}
