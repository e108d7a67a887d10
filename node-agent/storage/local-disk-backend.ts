/**
 * Local disks: qcow2 files under the node's blockStorageDir, built under `<name>.part`,
 * fsynced and renamed into place. BaseImage disks are qcow2 overlays whose backing file is
 * the cached base (no full copy).
 */
import { readdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runChecked, type HostRunner } from "../host/host-runner.js";
import type { BaseRef, DiskBackend, DiskInfo, RemoveOutcome } from "./disk-backend.js";
import { StorageError } from "./errors.js";
import { commitFile, ensureDir, fileExists, fsyncDir, removeFile } from "./file-io.js";
import { isSafeIdPart, localDiskPath, partPath, retainedDiskPath, type DiskId } from "./layout.js";
import { convertImage, createOverlay, createQcow2, imageInfo, isLockHeld, parseImageInfo, resizeImage } from "./qemu-img.js";

/** Reads a qcow2 file's info (shared, no lock) and whether a running qemu holds its write lock. */
export async function inspectImageFile(runner: HostRunner, path: string, signal?: AbortSignal): Promise<DiskInfo | undefined> {
  if (!(await fileExists(path))) return undefined;
  const opts = signal ? { signal } : {};
  const res = await runChecked(runner, imageInfo(path, { backingChain: true, shared: true }), opts);
  const chain = parseImageInfo(res.stdout);
  const top = chain[0]!;
  const probe = await runner.run(imageInfo(path), opts);
  return {
    location: path,
    format: top.format,
    virtualSizeBytes: top.virtualSizeBytes,
    allocatedBytes: top.allocatedBytes,
    backingChain: chain.slice(1).map((i) => i.filename),
    heldBy: probe.exitCode !== 0 && isLockHeld(probe.stderr) ? "qemu (write lock held)" : undefined,
  };
}

/** Local qcow2 disks under `blockStorageDir`. */
export class LocalDiskBackend implements DiskBackend {
  readonly #runner: HostRunner;
  readonly #dir: string;

  constructor(runner: HostRunner, blockStorageDir: string) {
    this.#runner = runner;
    this.#dir = blockStorageDir;
  }

  /** The disk's file path. */
  pathOf(disk: DiskId): string {
    return localDiskPath(this.#dir, disk);
  }

  inspect(disk: DiskId, signal: AbortSignal): Promise<DiskInfo | undefined> {
    return inspectImageFile(this.#runner, this.pathOf(disk), signal);
  }

  async createEmpty(disk: DiskId, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await this.#build(disk, signal, async (part) => {
      await runChecked(this.#runner, createQcow2(part, sizeBytes), { signal });
    });
  }

  async createFromFile(disk: DiskId, src: { path: string; format: string }, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await this.#build(disk, signal, async (part) => {
      await runChecked(this.#runner, convertImage({ src: src.path, srcFormat: src.format, dest: part, destFormat: "qcow2" }), { signal });
      await this.#fit(part, sizeBytes, signal);
    });
  }

  async createFromBase(disk: DiskId, base: BaseRef, sizeBytes: number, signal: AbortSignal): Promise<void> {
    if (base.kind !== "file") throw new StorageError("INVALID_SPEC", "a Local disk needs a Local image entity as its base (the image is on Ceph)");
    const info = await inspectImageFile(this.#runner, base.path, signal);
    if (!info) throw new StorageError("SOURCE_NOT_READY", `base image ${base.path} is missing`);
    if (info.virtualSizeBytes > sizeBytes) {
      throw new StorageError("IMAGE_TOO_LARGE", `base image is ${info.virtualSizeBytes} bytes, more than limitSize ${sizeBytes}`);
    }
    await this.#build(disk, signal, async (part) => {
      await runChecked(this.#runner, createOverlay(part, base.path, sizeBytes), { signal });
    });
  }

  async grow(_disk: DiskId, info: DiskInfo, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await runChecked(this.#runner, resizeImage(info.location, info.format, sizeBytes), { signal });
  }

  async remove(disk: DiskId, opts: { retainStamp?: string; signal: AbortSignal }): Promise<RemoveOutcome> {
    const path = this.pathOf(disk);
    await removeFile(partPath(path));
    if (!(await fileExists(path))) return { removed: false };
    if (opts.retainStamp === undefined) {
      await removeFile(path);
      await fsyncDir(dirname(path));
      return { removed: true };
    }
    const to = retainedDiskPath(this.#dir, disk, opts.retainStamp);
    await ensureDir(dirname(to));
    await rename(path, to);
    await fsyncDir(dirname(to));
    return { removed: true, retainedAt: to };
  }

  async list(): Promise<{ disks: Array<{ disk: DiskId; name: string }>; parts: string[]; retained: string[] }> {
    const disks: Array<{ disk: DiskId; name: string }> = [];
    const parts: string[] = [];
    for (const [group, namespace, file] of await walk3(this.#dir)) {
      const path = join(this.#dir, group, namespace, file);
      if (file.endsWith(".qcow2.part")) parts.push(path);
      else if (file.endsWith(".qcow2") && isSafeIdPart(file.slice(0, -6))) disks.push({ disk: { group, namespace, id: file.slice(0, -6) }, name: path });
    }
    const retained = (await walk3(join(this.#dir, ".retained"))).map((p) => join(this.#dir, ".retained", ...p));
    return { disks, parts, retained };
  }

  /** Resizes a just-built part to `sizeBytes`, refusing an image larger than the limit. */
  async #fit(part: string, sizeBytes: number, signal: AbortSignal): Promise<void> {
    const info = parseImageInfo((await runChecked(this.#runner, imageInfo(part, { shared: true }), { signal })).stdout)[0]!;
    if (info.virtualSizeBytes > sizeBytes) {
      throw new StorageError("IMAGE_TOO_LARGE", `image is ${info.virtualSizeBytes} bytes, more than limitSize ${sizeBytes}`);
    }
    if (info.virtualSizeBytes < sizeBytes) await runChecked(this.#runner, resizeImage(part, "qcow2", sizeBytes), { signal });
  }

  /** Builds the disk under its part name with `make`, then commits it; removes the part on failure. */
  async #build(disk: DiskId, signal: AbortSignal, make: (part: string) => Promise<void>): Promise<void> {
    const path = this.pathOf(disk);
    const part = partPath(path);
    await ensureDir(dirname(path));
    await removeFile(part);
    try {
      await make(part);
      await commitFile(part, path);
    } catch (e: unknown) {
      await removeFile(part);
      throw e;
    }
  }
}

/** Lists `dir/A/B/C` file triples (A, B not starting with a dot); empty when `dir` is missing. */
async function walk3(dir: string): Promise<Array<[string, string, string]>> {
  const out: Array<[string, string, string]> = [];
  for (const a of await dirNames(dir)) {
    for (const b of await dirNames(join(dir, a))) {
      for (const f of await readdir(join(dir, a, b), { withFileTypes: true })) if (f.isFile()) out.push([a, b, f.name]);
    }
  }
  return out;
}

async function dirNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
