/**
 * Where humops keeps disks and images on a node: deterministic names from the resource
 * identity, so the agent finds its own objects again after a restart and can tell foreign
 * ones (orphans) apart. Pure. See docs/storage.md.
 *
 * Local (files):
 *   <blockStorageDir>/<group>/<namespace>/<id>.qcow2          a disk
 *   <blockStorageDir>/<group>/<namespace>/<id>.qcow2.part     a disk being built (never Active)
 *   <blockStorageDir>/.retained/<group>/<namespace>/<id>-<UTC stamp>.qcow2   kept by Retain
 *   <imageDir>/<group>/<id>.qcow2 and <id>.json              an image entity and its record
 *   <imageDir>/.bases/<sha256>.qcow2                          a base fetched from another node
 *   <dataDir>/cache/http/<sha256(url)>/{body,meta.json}       the per-node HTTP download cache
 * Ceph (RBD images in the configured pool):
 *   hmdisk-<hash12>.<id>        a disk;   hmimg-<hash12>.<id>   an image entity (snapshot @base)
 *   hmretain-<hash12>.<id>-<stamp>        a retained disk;  names ending in `.part` are in progress
 */
import { join } from "node:path";
import { identityHash } from "../../schemas/host-names.js";
import { StorageError } from "./errors.js";

/** What manifest ids look like (schema pattern); re-checked here before any id reaches a path. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** True when `part` is safe as one path component / RBD name part: schema pattern, no `..`. */
export function isSafeIdPart(part: string): boolean {
  return SAFE_ID.test(part) && !part.includes("..") && part.length <= 128;
}

/** Throws INVALID_SPEC unless every part is safe (see isSafeIdPart). */
export function assertSafeParts(parts: readonly string[]): void {
  for (const p of parts) {
    if (!isSafeIdPart(p)) throw new StorageError("INVALID_SPEC", `unsafe name part ${JSON.stringify(p)}: ids must match ${SAFE_ID.source} without '..'`);
  }
}

/** Identity of a disk (blockstorage). */
export interface DiskId {
  readonly group: string;
  readonly namespace: string;
  readonly id: string;
}

/** Identity of an image entity. */
export interface EntityId {
  readonly group: string;
  readonly id: string;
}

/** Path of a Local disk. Throws INVALID_SPEC on unsafe ids. */
export function localDiskPath(blockStorageDir: string, d: DiskId): string {
  assertSafeParts([d.group, d.namespace, d.id]);
  return join(blockStorageDir, d.group, d.namespace, `${d.id}.qcow2`);
}

/** Where a retained Local disk goes; `stamp` is a compact UTC time (see retainStamp). */
export function retainedDiskPath(blockStorageDir: string, d: DiskId, stamp: string): string {
  assertSafeParts([d.group, d.namespace, d.id]);
  return join(blockStorageDir, ".retained", d.group, d.namespace, `${d.id}-${stamp}.qcow2`);
}

/** Path of an image entity's qcow2 in the node's image store. */
export function entityPath(imageDir: string, e: EntityId): string {
  assertSafeParts([e.group, e.id]);
  return join(imageDir, e.group, `${e.id}.qcow2`);
}

/** Path of an image entity's record (sha256, size, source) beside its qcow2. */
export function entityRecordPath(imageDir: string, e: EntityId): string {
  assertSafeParts([e.group, e.id]);
  return join(imageDir, e.group, `${e.id}.json`);
}

/** Path of a base image fetched from another node, keyed by its content hash. */
export function fetchedBasePath(imageDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StorageError("INVALID_SPEC", `not a sha256: ${JSON.stringify(sha256)}`);
  return join(imageDir, ".bases", `${sha256}.qcow2`);
}

/** The temporary name of anything being built: complete files never carry it. */
export function partPath(path: string): string {
  return `${path}.part`;
}

/** RBD image name of a Ceph disk. */
export function rbdDiskName(d: DiskId): string {
  assertSafeParts([d.group, d.namespace, d.id]);
  return `hmdisk-${identityHash(["blockstorage", d.group, d.namespace, d.id], 12)}.${d.id}`;
}

/** RBD image name of a Ceph image entity (its snapshot `base` is what disks clone). */
export function rbdEntityName(e: EntityId): string {
  assertSafeParts([e.group, e.id]);
  return `hmimg-${identityHash(["imageentity", e.group, e.id], 12)}.${e.id}`;
}

/** RBD name of a retained Ceph disk. */
export function rbdRetainedName(d: DiskId, stamp: string): string {
  assertSafeParts([d.group, d.namespace, d.id]);
  return `hmretain-${identityHash(["blockstorage", d.group, d.namespace, d.id], 12)}.${d.id}-${stamp}`;
}

/** The snapshot of an entity image that disks are cloned from. */
export const RBD_BASE_SNAPSHOT = "base";

/** True when an RBD image name is one of humops' (disk, entity, retained, or in progress). */
export function isHumopsRbdName(name: string): boolean {
  return /^hm(disk|img|retain)-[a-z2-7]{12}\./.test(name);
}

/** True when an RBD name is a retained disk (kept on purpose, never an orphan). */
export function isRetainedRbdName(name: string): boolean {
  return name.startsWith("hmretain-");
}

/** A compact UTC stamp for retained names: 20261122T083000Z. */
export function retainStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** The cache directory of a URL in the per-node HTTP cache. */
export function httpCacheDir(dataDir: string, urlHash: string): string {
  return join(dataDir, "cache", "http", urlHash);
}
