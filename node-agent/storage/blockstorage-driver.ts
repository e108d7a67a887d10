/**
 * The `systemv0/blockstorage` driver: Local qcow2 files or Ceph RBD images, from Empty, HTTP
 * (through the node's download cache) or BaseImage (overlay / clone). Idempotent: an existing
 * disk is only grown (never shrunk) to limitSize. States: Pending, Downloading, Copying,
 * Active, Used (context.usedBy or a qemu lock / RBD watcher), Deleting, Error (with reason).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { OperationProgress } from "../../schemas/protocol/messages.js";
import type { DriverContext, NodeEnvironment, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { runChecked } from "../host/host-runner.js";
import { releaseFetchedBases, resolveBase } from "./base-image.js";
import { parseBlockStorageContext, type BlockStorageContext } from "./context.js";
import type { DiskBackend, DiskInfo } from "./disk-backend.js";
import { parseDiskSpec, type DiskSpec } from "./disk-spec.js";
import { DiskInUseError, ShrinkRefusedError, StorageError } from "./errors.js";
import { HttpCache } from "./http-cache.js";
import { retainStamp } from "./layout.js";
import { imageInfo, parseImageInfo } from "./qemu-img.js";
import { diskInventory } from "./disk-inventory.js";
import { backendFor, observed, type DiskState } from "./disk-observed.js";

export type { DiskState };


/** Options of the driver. */
export interface BlockStorageDriverOptions {
  /** Told of every state change while a command runs (Pending, Downloading, Copying, Deleting...). */
  readonly onState?: (key: ResourceKey, state: DiskState, detail?: { receivedBytes?: number; totalBytes?: number | undefined }) => void;
  /** Clock for retained names (tests). */
  readonly now?: () => Date;
}

/** The blockstorage ResourceDriver. One instance per agent (it owns the node's HTTP cache). */
export class BlockStorageDriver implements ResourceDriver {
  readonly apiType = "systemv0/blockstorage" as const;
  readonly #opts: BlockStorageDriverOptions;
  readonly #inFlight = new Map<string, DiskState>();
  /** The last progress of each running command, for the inventory (nodectl ls). */
  readonly #progress = new Map<string, OperationProgress>();
  readonly #failures = new Map<string, { reason: string; message: string; generation: number }>();
  #cache: HttpCache | undefined;

  constructor(opts: BlockStorageDriverOptions = {}) {
    this.#opts = opts;
  }

  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    try {
      const spec = parseDiskSpec(cmd);
      const bctx = parseBlockStorageContext(cmd.context);
      const backend = backendFor(spec.type, ctx.node, ctx.runner);
      const info = (await this.#ensureSize(spec, backend, ctx)) ?? (await this.#create(spec, bctx, backend, ctx));
      this.#failures.delete(cmd.key);
      ctx.log.info({ resource: cmd.key, location: info.location }, "disk ready");
      return observed(cmd, spec, info, bctx.usedBy ?? info.heldBy, ctx.node.nodeName);
    } catch (e: unknown) {
      const err = e instanceof StorageError ? e : undefined;
      this.#failures.set(cmd.key, { reason: err?.reason ?? "HostCommandFailed", message: (e as Error).message, generation: cmd.generation });
      this.#opts.onState?.(cmd.key, "Error");
      throw e;
    } finally {
      this.#inFlight.delete(cmd.key);
      this.#progress.delete(cmd.key);
    }
  }

  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    const spec = parseDiskSpec(cmd);
    const bctx = parseBlockStorageContext(cmd.context);
    const backend = backendFor(spec.type, ctx.node, ctx.runner);
    const info = await backend.inspect(spec.disk, ctx.signal);
    const usedBy = bctx.usedBy ?? info?.heldBy;
    if (info && usedBy) throw new DiskInUseError({ resource: cmd.key, usedBy });
    this.#setState(cmd.key, "Deleting");
    try {
      const stamp = spec.retain ? retainStamp((this.#opts.now ?? (() => new Date()))()) : undefined;
      const out = await backend.remove(spec.disk, { signal: ctx.signal, ...(stamp ? { retainStamp: stamp } : {}) });
      if (out.retainedAt) ctx.log.info({ resource: cmd.key, retainedAt: out.retainedAt }, "disk retained");
      else if (out.removed) ctx.log.info({ resource: cmd.key }, "disk removed");
      if (out.removed && !out.retainedAt && spec.type === "Local" && info) {
        // The disk is gone either way: a base left behind is an orphan for `nodectl gc`, not a failed delete.
        const released = await releaseFetchedBases(ctx.node, ctx.runner, info.backingChain, ctx.signal).catch((err: unknown) => {
          ctx.log.warn({ resource: cmd.key, err }, "could not release fetched base images");
          return [];
        });
        if (released.length > 0) ctx.log.info({ resource: cmd.key, released }, "fetched base images no disk uses were removed");
      }
      this.#failures.delete(cmd.key);
    } finally {
      this.#inFlight.delete(cmd.key);
      this.#progress.delete(cmd.key);
    }
  }

  inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    return diskInventory(ctx, known, { inFlight: this.#inFlight, failures: this.#failures, progress: this.#progress });
  }

  /** The node's HTTP cache (created on first use under `<dataDir>/cache/http`). */
  cache(env: NodeEnvironment): HttpCache {
    this.#cache ??= new HttpCache(env.dataDir);
    return this.#cache;
  }

  /** Progress to the command (protocol 1.3) and to the inventory (nodectl ls). */
  #report(key: string, ctx: DriverContext, p: OperationProgress): void {
    this.#progress.set(key, p);
    ctx.progress?.(p);
  }

  #setState(key: ResourceKey, state: DiskState, detail?: { receivedBytes?: number; totalBytes?: number | undefined }): void {
    this.#inFlight.set(key, state);
    this.#opts.onState?.(key, state, detail);
  }

  /** When the disk exists: grows it to limitSize, refuses shrinking; returns its info (undefined if absent). */
  async #ensureSize(spec: DiskSpec, backend: DiskBackend, ctx: DriverContext): Promise<DiskInfo | undefined> {
    const info = await backend.inspect(spec.disk, ctx.signal);
    if (!info || info.virtualSizeBytes === spec.limitBytes) return info;
    if (info.virtualSizeBytes > spec.limitBytes) {
      throw new ShrinkRefusedError({ resource: spec.key, currentBytes: info.virtualSizeBytes, requestedBytes: spec.limitBytes });
    }
    // qemu-img cannot resize a qcow2 a running VM holds (live growth is the VM driver's block_resize); RBD can.
    if (spec.type === "Local" && info.heldBy) throw new DiskInUseError({ resource: spec.key, usedBy: info.heldBy });
    await backend.grow(spec.disk, info, spec.limitBytes, ctx.signal);
    return backend.inspect(spec.disk, ctx.signal);
  }

  async #create(spec: DiskSpec, bctx: BlockStorageContext, backend: DiskBackend, ctx: DriverContext): Promise<DiskInfo> {
    this.#setState(spec.key as ResourceKey, "Pending");
    const from = spec.from;
    if (from.type === "Empty") {
      await backend.createEmpty(spec.disk, spec.limitBytes, ctx.signal);
    } else if (from.type === "HTTP") {
      this.#setState(spec.key as ResourceKey, "Downloading");
      const file = await this.cache(ctx.node).fetch({
        url: from.url,
        expectSha256: from.sha256,
        signal: ctx.signal,
        // The command's signal aborts only when a newer command superseded it (the disk was
        // deleted or changed: nothing of the download may stay, issue #11); the agent drains
        // commands before it stops, so a graceful restart never aborts one.
        discardPartOnAbort: true,
        onProgress: (receivedBytes, totalBytes) => {
          this.#opts.onState?.(spec.key as ResourceKey, "Downloading", { receivedBytes, totalBytes });
          this.#report(spec.key, ctx, { phase: "Downloading", doneBytes: receivedBytes, ...(totalBytes !== undefined ? { totalBytes } : {}) });
        },
      });
      this.#setState(spec.key as ResourceKey, "Copying");
      this.#report(spec.key, ctx, { phase: "Copying", totalBytes: file.sizeBytes });
      const format = await detectFormat(ctx.runner, file.path, ctx.signal);
      await backend.createFromFile(spec.disk, { path: file.path, format }, spec.limitBytes, ctx.signal);
    } else {
      this.#setState(spec.key as ResourceKey, "Copying");
      this.#report(spec.key, ctx, { phase: "Copying" });
      const base = await resolveBase(ctx.node, bctx, ctx.signal);
      await backend.createFromBase(spec.disk, base, spec.limitBytes, ctx.signal);
    }
    const info = await backend.inspect(spec.disk, ctx.signal);
    if (!info) throw new StorageError("SOURCE_NOT_READY", `${spec.key}: disk missing right after creation`);
    return info;
  }
}

const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(["raw", "qcow2", "vmdk", "vdi", "vhdx", "vpc"]);

/** The format qemu-img detects for a downloaded file (raw, qcow2, vmdk...). */
async function detectFormat(runner: HostRunner, path: string, signal: AbortSignal): Promise<string> {
  const info = parseImageInfo((await runChecked(runner, imageInfo(path, { shared: true }), { signal })).stdout)[0]!;
  // A downloaded qcow2 naming a backing file could read any host file into the guest (see docs/storage.md).
  if (info.backingFilename) throw new StorageError("INVALID_SPEC", `downloaded image has a backing file (${info.backingFilename}); refused`);
  if (!ACCEPTED_FORMATS.has(info.format)) throw new StorageError("INVALID_SPEC", `downloaded image format ${info.format} is not one of ${[...ACCEPTED_FORMATS].join(", ")}`);
  return info.format;
}
