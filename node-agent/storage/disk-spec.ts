/**
 * A blockstorage command read into what the storage driver needs: identity, backend type,
 * exact size in bytes, source, deletion policy. Pure.
 */
import type { ResourceCommand } from "../../schemas/protocol-types.js";
import { parseBytes } from "../../schemas/quantity.js";
import { StorageError } from "./errors.js";
import { assertSafeParts, type DiskId } from "./layout.js";

/** Where a disk's first content comes from (humstack's spec.from). */
export type DiskSource =
  | { readonly type: "Empty" }
  | { readonly type: "HTTP"; readonly url: string; readonly sha256?: string }
  | { readonly type: "BaseImage"; readonly imageName: string; readonly tag: string };

/** A blockstorage as the driver sees it. */
export interface DiskSpec {
  readonly key: string;
  readonly disk: DiskId;
  /** `blockstoragev0/type`: Local (default) or Ceph. */
  readonly type: "Local" | "Ceph";
  readonly limitBytes: number;
  readonly from: DiskSource;
  /** `humops/deletion-policy: Retain`: removal keeps the data aside. */
  readonly retain: boolean;
}

/**
 * Bytes of a humstack quantity (schemas/quantity.ts parseBytes: K, M, G, T and Ki..Ti are
 * powers of 1024). Throws INVALID_SPEC on anything else and on 0: a disk has a size.
 */
export function parseSizeBytes(q: unknown, field: string): number {
  const res = typeof q === "string" || typeof q === "number" ? parseBytes(q) : { ok: false as const, message: `${JSON.stringify(q)} is not a size` };
  if (!res.ok) throw new StorageError("INVALID_SPEC", `${field}: ${res.message}`);
  if (res.bytes === 0) throw new StorageError("INVALID_SPEC", `${field}: a disk cannot be 0 bytes`);
  return res.bytes;
}

function parseSource(from: unknown): DiskSource {
  const f = (from ?? { type: "Empty" }) as Record<string, unknown>;
  const type = f["type"] ?? "Empty";
  if (type === "Empty") return { type };
  if (type === "HTTP") {
    const http = (f["http"] ?? {}) as Record<string, unknown>;
    const url = http["url"];
    if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new StorageError("INVALID_SPEC", "spec.from.http.url must be an http(s) URL");
    const sha = http["sha256"];
    if (sha !== undefined && (typeof sha !== "string" || !/^[0-9a-fA-F]{64}$/.test(sha))) {
      throw new StorageError("INVALID_SPEC", "spec.from.http.sha256 must be 64 hex digits");
    }
    return { type, url, ...(typeof sha === "string" ? { sha256: sha.toLowerCase() } : {}) };
  }
  if (type === "BaseImage") {
    const b = (f["baseImage"] ?? {}) as Record<string, unknown>;
    const imageName = b["imageName"];
    const tag = b["tag"];
    if (typeof imageName !== "string" || typeof tag !== "string") throw new StorageError("INVALID_SPEC", "spec.from.baseImage needs imageName and tag");
    return { type, imageName, tag };
  }
  throw new StorageError("INVALID_SPEC", `spec.from.type ${JSON.stringify(type)} is not Empty, HTTP or BaseImage`);
}

/** Reads a blockstorage command. Throws StorageError INVALID_SPEC (terminal) when it cannot be built. */
export function parseDiskSpec(cmd: ResourceCommand): DiskSpec {
  const disk = { group: cmd.group ?? "", namespace: cmd.namespace ?? "", id: cmd.id };
  assertSafeParts([disk.group, disk.namespace, disk.id]);
  const type = cmd.annotations["blockstoragev0/type"] ?? "Local";
  if (type !== "Local" && type !== "Ceph") throw new StorageError("INVALID_SPEC", `blockstoragev0/type ${JSON.stringify(type)} is not Local or Ceph`);
  const policy = cmd.annotations["humops/deletion-policy"];
  if (policy !== undefined && policy !== "Retain" && policy !== "Delete") {
    throw new StorageError("INVALID_SPEC", `humops/deletion-policy ${JSON.stringify(policy)} is not Retain or Delete`);
  }
  return {
    key: cmd.key,
    disk,
    type,
    limitBytes: parseSizeBytes(cmd.spec["limitSize"], "spec.limitSize"),
    from: parseSource(cmd.spec["from"]),
    retain: policy === "Retain",
  };
}
