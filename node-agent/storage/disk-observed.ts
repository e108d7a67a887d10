/**
 * Shared by the blockstorage driver and its inventory: the backend of a storage type, the
 * state words, and the ObservedResource of a disk. Pure apart from constructing backends.
 */
import type { NodeEnvironment, ObservedResource, ResourceCommand } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { CephDiskBackend } from "./ceph-disk-backend.js";
import type { DiskBackend, DiskInfo } from "./disk-backend.js";
import type { DiskSpec } from "./disk-spec.js";
import { StorageError } from "./errors.js";
import { LocalDiskBackend } from "./local-disk-backend.js";

/** A blockstorage state word (humstack's). */
export type DiskState = "Pending" | "Downloading" | "Copying" | "Active" | "Used" | "Deleting" | "Error";

/** The backend of a storage type on this node. Throws CEPH_NOT_CONFIGURED (terminal) for Ceph without config. */
export function backendFor(type: "Local" | "Ceph", env: NodeEnvironment, runner: HostRunner): DiskBackend {
  if (type === "Local") return new LocalDiskBackend(runner, env.blockStorageDir);
  if (!env.ceph) throw new StorageError("CEPH_NOT_CONFIGURED", "blockstoragev0/type Ceph, but this node has no Ceph configuration");
  return new CephDiskBackend(runner, env.ceph);
}

/** What the agent reports about a disk. */
export function observed(cmd: ResourceCommand, spec: DiskSpec, info: DiskInfo, usedBy: string | undefined, node: string): ObservedResource {
  return {
    key: cmd.key,
    apiType: "systemv0/blockstorage",
    state: usedBy ? "Used" : "Active",
    generation: cmd.generation,
    node,
    spec: cmd.spec,
    details: {
      type: spec.type,
      location: info.location,
      format: info.format,
      virtualSizeBytes: info.virtualSizeBytes,
      ...(info.allocatedBytes !== undefined ? { allocatedBytes: info.allocatedBytes } : {}),
      backingChain: [...info.backingChain],
      ...(usedBy ? { usedBy } : {}),
    },
  };
}
