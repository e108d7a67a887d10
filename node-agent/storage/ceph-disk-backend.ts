/**
 * Ceph disks: RBD images in the node's configured pool. Built under `<name>.part` and renamed
 * (HTTP, file bases); Empty is one `rbd create`; BaseImage is a clone of the entity's protected
 * snapshot. Sizes are exact bytes.
 */
import { runChecked, type HostRunner } from "../host/host-runner.js";
import type { BaseRef, DiskBackend, DiskInfo, RemoveOutcome } from "./disk-backend.js";
import { StorageError } from "./errors.js";
import { isHumopsRbdName, isRetainedRbdName, rbdDiskName, type DiskId } from "./layout.js";
import { convertImage, rbdUrl, type CephTarget } from "./qemu-img.js";
import {
  parseRbdInfo,
  parseRbdList,
  parseRbdWatchers,
  rbdClone,
  rbdCreate,
  rbdInfo,
  rbdList,
  rbdRemove,
  rbdRename,
  rbdResize,
  rbdStatus,
} from "./rbd.js";
import { rbdRetainedName } from "./layout.js";

/** Reads an RBD image's size, parent and watchers; undefined when it does not exist. */
export async function inspectRbdImage(runner: HostRunner, ceph: CephTarget, image: string, signal?: AbortSignal): Promise<DiskInfo | undefined> {
  const opts = signal ? { signal } : {};
  const res = await runner.run(rbdInfo(ceph, image), opts);
  if (res.exitCode !== 0) {
    if (/No such file or directory|error opening image/.test(res.stderr)) return undefined;
    throw new StorageError("SOURCE_NOT_READY", `rbd info ${ceph.pool}/${image} failed: ${res.stderr.trim().split("\n").pop() ?? ""}`);
  }
  const info = parseRbdInfo(res.stdout);
  const watchers = parseRbdWatchers((await runChecked(runner, rbdStatus(ceph, image), opts)).stdout);
  return {
    location: `rbd:${ceph.pool}/${image}`,
    format: "raw",
    virtualSizeBytes: info.sizeBytes,
    allocatedBytes: undefined,
    backingChain: info.parent ? [`rbd:${info.parent.pool}/${info.parent.image}@${info.parent.snapshot}`] : [],
    heldBy: watchers > 0 ? `${watchers} RBD watcher(s)` : undefined,
  };
}

/** Ceph RBD disks in `ceph.pool`. */
export class CephDiskBackend implements DiskBackend {
  readonly #runner: HostRunner;
  readonly #ceph: CephTarget;

  constructor(runner: HostRunner, ceph: CephTarget) {
    this.#runner = runner;
    this.#ceph = ceph;
  }

  inspect(disk: DiskId, signal: AbortSignal): Promise<DiskInfo | undefined> {
    return inspectRbdImage(this.#runner, this.#ceph, rbdDiskName(disk), signal);
  }

  async createEmpty(disk: DiskId, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await runChecked(this.#runner, rbdCreate(this.#ceph, rbdDiskName(disk), sizeBytes), { signal });
  }

  async createFromFile(disk: DiskId, src: { path: string; format: string }, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await this.#build(disk, signal, async (part) => {
      await runChecked(this.#runner, convertImage({ src: src.path, srcFormat: src.format, dest: rbdUrl(this.#ceph, part), destFormat: "raw" }), { signal });
      await this.#fit(part, sizeBytes, signal);
    });
  }

  async createFromBase(disk: DiskId, base: BaseRef, sizeBytes: number, signal: AbortSignal): Promise<void> {
    if (base.kind === "file") {
      await this.createFromFile(disk, { path: base.path, format: "qcow2" }, sizeBytes, signal);
      return;
    }
    await this.#build(disk, signal, async (part) => {
      await runChecked(this.#runner, rbdClone(this.#ceph, base.image, base.snapshot, part), { signal });
      await this.#fit(part, sizeBytes, signal);
    });
  }

  async grow(disk: DiskId, _info: DiskInfo, sizeBytes: number, signal: AbortSignal): Promise<void> {
    await runChecked(this.#runner, rbdResize(this.#ceph, rbdDiskName(disk), sizeBytes), { signal });
  }

  async remove(disk: DiskId, opts: { retainStamp?: string; signal: AbortSignal }): Promise<RemoveOutcome> {
    const name = rbdDiskName(disk);
    await this.#removeIfExists(`${name}.part`, opts.signal);
    if (!(await this.inspect(disk, opts.signal))) return { removed: false };
    if (opts.retainStamp !== undefined) {
      const to = rbdRetainedName(disk, opts.retainStamp);
      await runChecked(this.#runner, rbdRename(this.#ceph, name, to), { signal: opts.signal });
      return { removed: true, retainedAt: `rbd:${this.#ceph.pool}/${to}` };
    }
    await runChecked(this.#runner, rbdRemove(this.#ceph, name), { signal: opts.signal });
    return { removed: true };
  }

  async list(signal: AbortSignal): Promise<{ disks: Array<{ disk: undefined; name: string }>; parts: string[]; retained: string[] }> {
    const names = parseRbdList((await runChecked(this.#runner, rbdList(this.#ceph), { signal })).stdout).filter(isHumopsRbdName);
    const mine = names.filter((n) => n.startsWith("hmdisk-"));
    return {
      disks: mine.filter((n) => !n.endsWith(".part")).map((name) => ({ disk: undefined, name })),
      parts: mine.filter((n) => n.endsWith(".part")),
      retained: names.filter(isRetainedRbdName),
    };
  }

  async #fit(image: string, sizeBytes: number, signal: AbortSignal): Promise<void> {
    const info = parseRbdInfo((await runChecked(this.#runner, rbdInfo(this.#ceph, image), { signal })).stdout);
    if (info.sizeBytes > sizeBytes) throw new StorageError("IMAGE_TOO_LARGE", `image is ${info.sizeBytes} bytes, more than limitSize ${sizeBytes}`);
    if (info.sizeBytes < sizeBytes) await runChecked(this.#runner, rbdResize(this.#ceph, image, sizeBytes), { signal });
  }

  async #removeIfExists(image: string, signal: AbortSignal): Promise<void> {
    const res = await this.#runner.run(rbdRemove(this.#ceph, image), { signal });
    if (res.exitCode !== 0 && !/No such file or directory|image not found|error opening image/i.test(res.stderr)) {
      throw new StorageError("SOURCE_NOT_READY", `rbd rm ${image} failed: ${res.stderr.trim()}`);
    }
  }

  /** Builds under `<name>.part` (removed first and on failure), then renames into place. */
  async #build(disk: DiskId, signal: AbortSignal, make: (part: string) => Promise<void>): Promise<void> {
    const name = rbdDiskName(disk);
    const part = `${name}.part`;
    await this.#removeIfExists(part, signal);
    try {
      await make(part);
      await runChecked(this.#runner, rbdRename(this.#ceph, part, name), { signal });
    } catch (e: unknown) {
      await this.#removeIfExists(part, signal);
      throw e;
    }
  }
}
