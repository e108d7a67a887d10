/**
 * The `context` the controller resolves and sends with each storage command
 * (ResourceCommand.context), and its checked parsers. Everything the agent cannot know
 * locally (where a base image lives, who runs a disk, the token for another node's download
 * API) comes through here; everything else is derived from the resource identity.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import { StorageError } from "./errors.js";

/** Where the controller says a base image's content can be had. */
export type BaseImageSource =
  /** Another node (or this one) serves the entity through its download API at `url`. */
  | { readonly node: string; readonly url: string }
  /** The entity file on this node (must lie inside the node's image store). */
  | { readonly localPath: string }
  /** The entity is a Ceph image of the node's pool: disks are clones of its protected snapshot. */
  | { readonly rbd: { readonly image: string; readonly snapshot: string } };

/**
 * Context of a `systemv0/blockstorage` command.
 * - `baseImage` (required when spec.from.type is BaseImage): the image entity the tag resolves
 *   to, with the sha256 and size it recorded when it became Available; the content is checked
 *   against them when fetched.
 * - `downloadToken`: bearer token for the serving node's download API (BaseImage from a URL).
 * - `usedBy`: key of the running VM that holds this disk; the disk is then reported `Used` and
 *   removal is refused. The VM driver / controller sets it; the agent also detects a qemu lock.
 */
export interface BlockStorageContext {
  readonly baseImage?: {
    readonly entityKey: ResourceKey;
    readonly sha256: string;
    readonly sizeBytes: number;
    readonly source: BaseImageSource;
  };
  readonly downloadToken?: string;
  readonly usedBy?: ResourceKey;
}

/**
 * Context of a `systemv0/imageentity` command: the disk it copies (spec.source resolved) and,
 * when a running VM holds that disk, `sourceUsedBy`: the copy waits (SOURCE_NOT_READY) until
 * the VM is stopped, so an image is never taken from a disk being written. `downloadToken`: the
 * cluster token other nodes will present to this node's download API to fetch the entity; the
 * agent adds it to the tokens its API accepts (DownloadTokens).
 */
export interface ImageEntityContext {
  readonly sourceDisk: {
    readonly key: ResourceKey;
    readonly type: "Local" | "Ceph";
    /** The disk's state as last reported; anything but Active is waited for. */
    readonly state?: string;
  };
  readonly sourceUsedBy?: ResourceKey;
  readonly downloadToken?: string;
}

function invalid(msg: string): StorageError {
  return new StorageError("INVALID_SPEC", `context: ${msg}`);
}

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw invalid(`${k} must be a non-empty string`);
  return v;
}

function parseSource(v: unknown): BaseImageSource {
  if (typeof v !== "object" || v === null) throw invalid("baseImage.source must be an object");
  const o = v as Record<string, unknown>;
  if (o["rbd"] !== undefined) {
    const r = o["rbd"] as Record<string, unknown>;
    const image = str(r, "image");
    if (!image) throw invalid("baseImage.source.rbd.image is required");
    return { rbd: { image, snapshot: str(r, "snapshot") ?? "base" } };
  }
  const localPath = str(o, "localPath");
  if (localPath) return { localPath };
  const node = str(o, "node");
  const url = str(o, "url");
  if (!node || !url) throw invalid("baseImage.source needs {node, url}, {localPath} or {rbd}");
  return { node, url };
}

function parseBaseImage(v: unknown): NonNullable<BlockStorageContext["baseImage"]> {
  if (typeof v !== "object" || v === null) throw invalid("baseImage must be an object");
  const o = v as Record<string, unknown>;
  const entityKey = str(o, "entityKey");
  const sha256 = str(o, "sha256");
  const sizeBytes = o["sizeBytes"];
  if (!entityKey?.startsWith("systemv0/imageentity/")) throw invalid("baseImage.entityKey must be an imageentity key");
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) throw invalid("baseImage.sha256 must be 64 hex digits");
  if (typeof sizeBytes !== "number" || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw invalid("baseImage.sizeBytes must be a positive integer");
  return { entityKey: entityKey as ResourceKey, sha256, sizeBytes, source: parseSource(o["source"]) };
}

/** Checks a blockstorage command's context. Throws StorageError INVALID_SPEC (terminal) when malformed. */
export function parseBlockStorageContext(ctx: Readonly<Record<string, unknown>>): BlockStorageContext {
  const downloadToken = str(ctx, "downloadToken");
  const usedBy = str(ctx, "usedBy");
  return {
    ...(ctx["baseImage"] !== undefined ? { baseImage: parseBaseImage(ctx["baseImage"]) } : {}),
    ...(downloadToken ? { downloadToken } : {}),
    ...(usedBy ? { usedBy: usedBy as ResourceKey } : {}),
  };
}

/** Checks an imageentity command's context. Throws StorageError INVALID_SPEC (terminal) when malformed. */
export function parseImageEntityContext(ctx: Readonly<Record<string, unknown>>): ImageEntityContext {
  const sd = ctx["sourceDisk"];
  if (typeof sd !== "object" || sd === null) throw invalid("sourceDisk is required");
  const o = sd as Record<string, unknown>;
  const key = str(o, "key");
  const type = o["type"] ?? "Local";
  if (!key?.startsWith("systemv0/blockstorage/")) throw invalid("sourceDisk.key must be a blockstorage key");
  if (type !== "Local" && type !== "Ceph") throw invalid("sourceDisk.type must be Local or Ceph");
  const state = str(o, "state");
  const sourceUsedBy = str(ctx, "sourceUsedBy");
  const downloadToken = str(ctx, "downloadToken");
  return {
    sourceDisk: { key: key as ResourceKey, type, ...(state ? { state } : {}) },
    ...(sourceUsedBy ? { sourceUsedBy: sourceUsedBy as ResourceKey } : {}),
    ...(downloadToken ? { downloadToken } : {}),
  };
}
