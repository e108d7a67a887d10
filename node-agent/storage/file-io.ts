/**
 * File helpers of the storage drivers: streamed sha256, fsync of files and directories,
 * crash-safe rename into place. A file is complete only under its final name: everything is
 * written under a temporary name, fsynced, renamed, and the directory fsynced.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Streams a file (or its first `limitBytes`) through sha256; resolves with the hex digest. */
export async function sha256File(path: string, limitBytes?: number): Promise<string> {
  const hash = createHash("sha256");
  if (limitBytes === 0) return hash.digest("hex");
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(limitBytes !== undefined ? { end: limitBytes - 1 } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** fsyncs a file's data to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a directory, so a rename inside it survives a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs `from`, renames it to `to` and fsyncs the directory: `to` is complete or absent after a crash. */
export async function commitFile(from: string, to: string): Promise<void> {
  await fsyncFile(from);
  await rename(from, to);
  await fsyncDir(dirname(to));
}

/** Size in bytes of a regular file, or undefined when it does not exist. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** True when a regular file exists at `path`. */
export async function fileExists(path: string): Promise<boolean> {
  return (await fileSize(path)) !== undefined;
}

/** Creates a directory and its parents. */
export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

/** Removes a file; no error when it is already gone. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
