/**
 * Pure builders of qemu-img commands and pure parsers of their output. Tested by equality.
 */
import type { Command } from "../host/host-runner.js";

/** Ceph connection for rbd: URLs understood by qemu (`rbd:POOL/IMAGE:conf=FILE[:id=USER]`). */
export interface CephTarget {
  readonly confPath: string;
  readonly pool: string;
  readonly user?: string | undefined;
}

/** The qemu block URL of an RBD image. */
export function rbdUrl(ceph: CephTarget, image: string): string {
  return `rbd:${ceph.pool}/${image}:conf=${ceph.confPath}${ceph.user ? `:id=${ceph.user}` : ""}`;
}

/** `qemu-img create -f qcow2 PATH BYTES`: an empty thin disk of exactly `sizeBytes`. */
export function createQcow2(path: string, sizeBytes: number): Command {
  return { argv: ["qemu-img", "create", "-q", "-f", "qcow2", path, String(sizeBytes)] };
}

/** A qcow2 overlay over `backingPath` (qcow2): no data copied; `sizeBytes` may exceed the base. */
export function createOverlay(path: string, backingPath: string, sizeBytes: number): Command {
  return { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backingPath, path, String(sizeBytes)] };
}

/** Converts `src` (format `srcFormat`) into `dest` with format `destFormat` (qcow2 or raw). */
export function convertImage(opts: { src: string; srcFormat: string; dest: string; destFormat: "qcow2" | "raw" }): Command {
  return { argv: ["qemu-img", "convert", "-q", "-f", opts.srcFormat, "-O", opts.destFormat, opts.src, opts.dest] };
}

/** Grows an image to `sizeBytes`. `format` is given so qemu-img never probes. */
export function resizeImage(path: string, format: string, sizeBytes: number): Command {
  return { argv: ["qemu-img", "resize", "-q", "-f", format, path, String(sizeBytes)] };
}

/** `qemu-img info` as JSON. `shared: true` adds -U (no lock taken: works while a VM runs it). */
export function imageInfo(path: string, opts: { backingChain?: boolean; shared?: boolean } = {}): Command {
  const argv: [string, ...string[]] = ["qemu-img", "info", "--output=json"];
  if (opts.backingChain) argv.push("--backing-chain");
  if (opts.shared) argv.push("-U");
  argv.push(path);
  return { argv };
}

/** `qemu-img --version` (doctor). */
export function qemuImgVersion(): Command {
  return { argv: ["qemu-img", "--version"] };
}

/** One image of `qemu-img info` output. */
export interface ImageInfo {
  readonly filename: string;
  readonly format: string;
  readonly virtualSizeBytes: number;
  /** Bytes allocated on the host (`actual-size`); undefined for RBD. */
  readonly allocatedBytes: number | undefined;
  readonly backingFilename: string | undefined;
  readonly backingFormat: string | undefined;
}

function toInfo(o: unknown): ImageInfo {
  if (typeof o !== "object" || o === null) throw new Error("qemu-img info: not an object");
  const r = o as Record<string, unknown>;
  const filename = r["filename"];
  const format = r["format"];
  const size = r["virtual-size"];
  if (typeof filename !== "string" || typeof format !== "string" || typeof size !== "number") {
    throw new Error("qemu-img info: missing filename, format or virtual-size");
  }
  const actual = r["actual-size"];
  const backing = r["full-backing-filename"] ?? r["backing-filename"];
  const backingFormat = r["backing-filename-format"];
  return {
    filename,
    format,
    virtualSizeBytes: size,
    allocatedBytes: typeof actual === "number" ? actual : undefined,
    backingFilename: typeof backing === "string" ? backing : undefined,
    backingFormat: typeof backingFormat === "string" ? backingFormat : undefined,
  };
}

/**
 * Parses `qemu-img info --output=json [--backing-chain]`: one object, or an array from the top
 * image down to the last base. Throws on malformed output (a qemu-img bug, not user data).
 */
export function parseImageInfo(stdout: string): ImageInfo[] {
  const data: unknown = JSON.parse(stdout);
  return Array.isArray(data) ? data.map(toInfo) : [toInfo(data)];
}

/** True when qemu-img's stderr says another process (a running VM) holds the image's write lock. */
export function isLockHeld(stderr: string): boolean {
  return /Failed to get (shared )?"write" lock/.test(stderr);
}
