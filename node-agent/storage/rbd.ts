/**
 * Pure builders of `rbd` commands (Ceph RBD images) and parsers of their JSON output.
 * Sizes are given in bytes (`--size NB`), so no MiB rounding ever changes a disk's size.
 */
import type { Command } from "../host/host-runner.js";
import type { CephTarget } from "./qemu-img.js";

function rbd(ceph: CephTarget, ...args: string[]): Command {
  const argv: [string, ...string[]] = ["rbd", "-c", ceph.confPath];
  if (ceph.user) argv.push("--id", ceph.user);
  argv.push(...args);
  return { argv };
}

const spec = (ceph: CephTarget, image: string): string => `${ceph.pool}/${image}`;

/** Creates an empty image of exactly `sizeBytes`. */
export function rbdCreate(ceph: CephTarget, image: string, sizeBytes: number): Command {
  return rbd(ceph, "create", "--size", `${sizeBytes}B`, spec(ceph, image));
}

/** Grows an image (rbd refuses to shrink without --allow-shrink, which humops never passes). */
export function rbdResize(ceph: CephTarget, image: string, sizeBytes: number): Command {
  return rbd(ceph, "resize", "--size", `${sizeBytes}B`, spec(ceph, image));
}

/** Renames an image inside the pool (atomic: how a finished `.part` becomes a disk). */
export function rbdRename(ceph: CephTarget, from: string, to: string): Command {
  return rbd(ceph, "rename", spec(ceph, from), spec(ceph, to));
}

/** Removes an image (fails while it has snapshots or watchers). */
export function rbdRemove(ceph: CephTarget, image: string): Command {
  return rbd(ceph, "rm", "--no-progress", spec(ceph, image));
}

/** Full copy of an image (how an image entity is taken from a disk). */
export function rbdCopy(ceph: CephTarget, from: string, to: string): Command {
  return rbd(ceph, "cp", "--no-progress", spec(ceph, from), spec(ceph, to));
}

/** Creates, protects, unprotects or removes snapshot `snap` of `image`. */
export function rbdSnap(ceph: CephTarget, op: "create" | "protect" | "unprotect" | "rm", image: string, snap: string): Command {
  return op === "rm" || op === "create"
    ? rbd(ceph, "snap", op, "--no-progress", `${spec(ceph, image)}@${snap}`)
    : rbd(ceph, "snap", op, `${spec(ceph, image)}@${snap}`);
}

/** Copy-on-write clone of a protected snapshot into a new image. */
export function rbdClone(ceph: CephTarget, image: string, snap: string, to: string): Command {
  return rbd(ceph, "clone", `${spec(ceph, image)}@${snap}`, spec(ceph, to));
}

/** Exports an image to a file (used to hash a Ceph image entity). */
export function rbdExport(ceph: CephTarget, image: string, path: string): Command {
  return rbd(ceph, "export", "--no-progress", spec(ceph, image), path);
}

/** Lists the pool's images (names) as JSON. */
export function rbdList(ceph: CephTarget): Command {
  return rbd(ceph, "ls", "--format", "json", ceph.pool);
}

/** An image's info (size, parent) as JSON. */
export function rbdInfo(ceph: CephTarget, image: string): Command {
  return rbd(ceph, "info", "--format", "json", spec(ceph, image));
}

/** An image's watchers (a running qemu holds a watch) as JSON. */
export function rbdStatus(ceph: CephTarget, image: string): Command {
  return rbd(ceph, "status", "--format", "json", spec(ceph, image));
}

/** The clones of a snapshot as JSON. */
export function rbdChildren(ceph: CephTarget, image: string, snap: string): Command {
  return rbd(ceph, "children", "--format", "json", `${spec(ceph, image)}@${snap}`);
}

/** Parses `rbd ls --format json`. */
export function parseRbdList(stdout: string): string[] {
  const data: unknown = JSON.parse(stdout.trim() || "[]");
  if (!Array.isArray(data) || !data.every((s) => typeof s === "string")) throw new Error("rbd ls: expected an array of names");
  return data;
}

/** What `rbd info` says about an image. */
export interface RbdImageInfo {
  readonly name: string;
  readonly sizeBytes: number;
  readonly parent: { readonly pool: string; readonly image: string; readonly snapshot: string } | undefined;
}

/** Parses `rbd info --format json`. */
export function parseRbdInfo(stdout: string): RbdImageInfo {
  const r = JSON.parse(stdout) as Record<string, unknown>;
  const name = r["name"];
  const size = r["size"];
  if (typeof name !== "string" || typeof size !== "number") throw new Error("rbd info: missing name or size");
  const p = r["parent"] as Record<string, unknown> | undefined;
  const parent =
    p && typeof p["image"] === "string" ? { pool: String(p["pool"]), image: p["image"], snapshot: String(p["snapshot"]) } : undefined;
  return { name, sizeBytes: size, parent };
}

/** Parses `rbd status --format json`: the number of watchers (each one a client holding the image open). */
export function parseRbdWatchers(stdout: string): number {
  const r = JSON.parse(stdout) as { watchers?: unknown };
  return Array.isArray(r.watchers) ? r.watchers.length : 0;
}

/** Parses `rbd children --format json`: the child image names. */
export function parseRbdChildren(stdout: string): string[] {
  const data: unknown = JSON.parse(stdout.trim() || "[]");
  if (!Array.isArray(data)) throw new Error("rbd children: expected an array");
  return data.map((c) => (typeof c === "string" ? c : String((c as Record<string, unknown>)["image"])));
}
