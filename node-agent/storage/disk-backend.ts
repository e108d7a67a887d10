/**
 * The storage port the blockstorage driver builds on: one backend per `blockstoragev0/type`
 * (LocalDiskBackend: qcow2 files, CephDiskBackend: RBD images). Each operation is crash-safe:
 * a disk exists under its final name only once complete.
 */
import type { DiskId } from "./layout.js";

/** What exists on the host for one disk. */
export interface DiskInfo {
  /** A file path, or `rbd:POOL/IMAGE`. */
  readonly location: string;
  readonly format: string;
  readonly virtualSizeBytes: number;
  /** Bytes used on the host (file allocation); undefined when the backend cannot tell cheaply. */
  readonly allocatedBytes: number | undefined;
  /** The backing chain below the disk, nearest first (qcow2 backing files, or the RBD parent snapshot). */
  readonly backingChain: readonly string[];
  /** Why the disk is held open by someone (a qemu write lock, RBD watchers), or undefined. */
  readonly heldBy: string | undefined;
}

/** A base image ready to be used by a backend: a local qcow2 file, or an RBD snapshot. */
export type BaseRef = { readonly kind: "file"; readonly path: string } | { readonly kind: "rbd"; readonly image: string; readonly snapshot: string };

/** Where a removed disk went. */
export interface RemoveOutcome {
  readonly removed: boolean;
  /** Set when the disk was kept aside (Retain). */
  readonly retainedAt?: string;
}

/** One storage type's disk operations. */
export interface DiskBackend {
  /** The disk's host object, or undefined when it does not exist (a `.part` does not count). */
  inspect(disk: DiskId, signal: AbortSignal): Promise<DiskInfo | undefined>;
  /** Creates an empty disk of exactly `sizeBytes`. */
  createEmpty(disk: DiskId, sizeBytes: number, signal: AbortSignal): Promise<void>;
  /** Creates the disk from an image file (format detected by the caller), then grows it to `sizeBytes`. */
  createFromFile(disk: DiskId, src: { path: string; format: string }, sizeBytes: number, signal: AbortSignal): Promise<void>;
  /** Creates the disk as a thin child of `base` (qcow2 overlay, RBD clone) of `sizeBytes`. */
  createFromBase(disk: DiskId, base: BaseRef, sizeBytes: number, signal: AbortSignal): Promise<void>;
  /** Grows the disk to `sizeBytes` (callers refuse shrinking before). */
  grow(disk: DiskId, info: DiskInfo, sizeBytes: number, signal: AbortSignal): Promise<void>;
  /** Deletes the disk, or moves it aside when `retainStamp` is given. Succeeds when already gone. */
  remove(disk: DiskId, opts: { retainStamp?: string; signal: AbortSignal }): Promise<RemoveOutcome>;
  /** Every humops-named disk object of this backend: final disks, in-progress parts, retained ones. */
  list(signal: AbortSignal): Promise<{ disks: Array<{ disk: DiskId | undefined; name: string }>; parts: string[]; retained: string[] }>;
}
