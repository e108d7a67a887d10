/**
 * Resolves a BaseImage disk's base to something a backend can use: the entity file in this
 * node's image store, a copy fetched (and checked against the entity's sha256 and size) from
 * another node's download API into `<imageDir>/.bases/<sha256>.qcow2`, or the entity's RBD
 * snapshot.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { parseResourceKey } from "../../schemas/kinds.js";
import type { NodeEnvironment } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import type { BlockStorageContext } from "./context.js";
import type { BaseRef } from "./disk-backend.js";
import { StorageError } from "./errors.js";
import { commitFile, ensureDir, fileExists, removeFile } from "./file-io.js";
import { discardPart, downloadFile } from "./http-download.js";
import { entityPath, entityRecordPath, fetchedBasePath, partPath, type EntityId } from "./layout.js";
import { inspectImageFile, LocalDiskBackend } from "./local-disk-backend.js";

/** What an image entity recorded when it became Available (`<imageDir>/<group>/<id>.json`). */
export interface EntityRecord {
  readonly key: string;
  readonly type: "Local" | "Ceph";
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly format: string;
  /** Local: the qcow2 path; Ceph: `rbd:POOL/IMAGE@base`. */
  readonly location: string;
  readonly sourceDisk: string;
}

/** Reads an entity's record; undefined when the entity is not Available on this node. */
export async function readEntityRecord(imageDir: string, e: EntityId): Promise<EntityRecord | undefined> {
  try {
    return JSON.parse(await readFile(entityRecordPath(imageDir, e), "utf8")) as EntityRecord;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The entity identity inside an imageentity key. */
export function entityIdOf(key: string): EntityId {
  const ref = parseResourceKey(key);
  if (!ref || ref.apiType !== "systemv0/imageentity" || !ref.group) throw new StorageError("INVALID_SPEC", `${key} is not an imageentity key`);
  return { group: ref.group, id: ref.id };
}

type Base = NonNullable<BlockStorageContext["baseImage"]>;

async function localEntity(env: NodeEnvironment, base: Base): Promise<BaseRef | undefined> {
  const e = entityIdOf(base.entityKey);
  const rec = await readEntityRecord(env.imageDir, e);
  if (!rec || rec.type !== "Local" || !(await fileExists(entityPath(env.imageDir, e)))) return undefined;
  if (rec.sha256 !== base.sha256) {
    throw new StorageError("DOWNLOAD_CHECKSUM", `image entity ${base.entityKey} on this node has sha256 ${rec.sha256}, the controller expects ${base.sha256}`);
  }
  return { kind: "file", path: entityPath(env.imageDir, e) };
}

/** Fetches in progress by target path: two disks from one remote base share one transfer (one part file). */
const fetching = new Map<string, Promise<BaseRef>>();

function fetchRemote(env: NodeEnvironment, base: Base, url: string, token: string | undefined, signal: AbortSignal): Promise<BaseRef> {
  const path = fetchedBasePath(env.imageDir, base.sha256);
  const running = fetching.get(path);
  if (running) return running;
  const started = fetchInto(path, base, url, token, signal).finally(() => fetching.delete(path));
  fetching.set(path, started);
  return started;
}

async function fetchInto(path: string, base: Base, url: string, token: string | undefined, signal: AbortSignal): Promise<BaseRef> {
  if (await fileExists(path)) return { kind: "file", path };
  await ensureDir(dirname(path));
  await downloadFile({
    url,
    part: partPath(path),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    expectSha256: base.sha256,
    expectSizeBytes: base.sizeBytes,
    signal,
  });
  await commitFile(partPath(path), path);
  // The resume record is only for an interrupted fetch; a committed base leaves nothing beside it.
  await discardPart(partPath(path));
  return { kind: "file", path };
}

/**
 * The base to build a BaseImage disk on. Throws StorageError INVALID_SPEC (no baseImage in the
 * context, a localPath outside the image store), SOURCE_NOT_READY (entity absent here and no
 * URL), or DownloadError from the fetch (content checked against the recorded sha256 and size).
 */
export async function resolveBase(env: NodeEnvironment, ctx: BlockStorageContext, signal: AbortSignal): Promise<BaseRef> {
  const base = ctx.baseImage;
  if (!base) throw new StorageError("INVALID_SPEC", "context.baseImage is required for a BaseImage disk");
  const src = base.source;
  if ("rbd" in src) return { kind: "rbd", image: src.rbd.image, snapshot: src.rbd.snapshot };
  if ("localPath" in src) {
    const p = resolve(src.localPath);
    if (!p.startsWith(resolve(env.imageDir) + sep)) throw new StorageError("INVALID_SPEC", `baseImage.source.localPath ${src.localPath} is outside the image store`);
    const local = await localEntity(env, base);
    if (!local || local.kind !== "file" || local.path !== p) throw new StorageError("SOURCE_NOT_READY", `image entity ${base.entityKey} is not Available at ${p}`);
    return local;
  }
  return (await localEntity(env, base)) ?? fetchRemote(env, base, src.url, ctx.downloadToken, signal);
}

/**
 * After a Local disk is removed: deletes each base fetched from another node (`.bases/`) in its
 * former backing chain that no other disk (declared, being built, or Retained) still has in its
 * chain. A fetched base is a cache of the entity; a full removal must leave nothing (issue #7).
 * A disk whose chain cannot be read counts as using it. Returns the paths deleted.
 */
export async function releaseFetchedBases(env: NodeEnvironment, runner: HostRunner, chain: readonly string[], signal: AbortSignal): Promise<string[]> {
  const basesDir = join(resolve(env.imageDir), ".bases");
  const candidates = chain.map((p) => resolve(p)).filter((p) => dirname(p) === basesDir);
  if (candidates.length === 0) return [];
  const listed = await new LocalDiskBackend(runner, env.blockStorageDir).list();
  const used = new Set<string>();
  for (const path of [...listed.disks.map((d) => d.name), ...listed.parts, ...listed.retained]) {
    const info = await inspectImageFile(runner, path, signal).catch(() => "unreadable" as const);
    if (info === "unreadable") return [];
    for (const b of info?.backingChain ?? []) used.add(resolve(b));
  }
  const released = candidates.filter((p) => !used.has(p));
  for (const p of released) await removeFile(p);
  return released;
}
