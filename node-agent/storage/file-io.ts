/**
 * File helpers of the storage drivers: streamed sha256, fsync of files and directories,
 * crash-safe rename into place. A file is complete only under its final name: everything is
 * written under a temporary name, fsynced, renamed, and the directory fsynced.
 */
import { createHash } from "node:crypto";
import { close, createReadStream, fdatasync, fsync, open as openFd, writev } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Writable } from "node:stream";

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

/** Options of a DurableFileWriter. */
export interface DurableFileWriterOptions {
  /** Append to the file (resume) instead of truncating it. */
  readonly append?: boolean;
  /** Start a background fdatasync after every this many bytes written (0: only at the end). */
  readonly syncEveryBytes?: number;
  /** Bytes buffered before the stream applies backpressure (coalesced into one writev). */
  readonly highWaterMark?: number;
}

/**
 * A file write stream whose `finish` means durable: buffered chunks go out in one writev each,
 * an fdatasync is started in the background every `syncEveryBytes` (so the disk flushes while
 * data still arrives and the closing fsync only has the tail left), and `_final` waits for it
 * and fsyncs the file before `finish`. An error of a background sync fails the stream; a
 * destroy (abort) closes the file only after the write and sync in flight returned.
 */
export class DurableFileWriter extends Writable {
  /** Bytes written to the file by this stream so far. */
  bytesWritten = 0;
  #fd: number | undefined;
  #syncedAt = 0;
  #syncing: Promise<void> | undefined;
  #writing: Promise<void> | undefined;
  #syncError: Error | undefined;
  readonly #path: string;
  readonly #opts: DurableFileWriterOptions;

  constructor(path: string, opts: DurableFileWriterOptions = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 4 << 20 });
    this.#path = path;
    this.#opts = opts;
  }

  override _construct(cb: (e?: Error | null) => void): void {
    openFd(this.#path, this.#opts.append ? "a" : "w", 0o644, (e, fd) => {
      this.#fd = fd;
      cb(e);
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#track([chunk], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (e?: Error | null) => void): void {
    this.#track(chunks.map((c) => c.chunk), cb);
  }

  /** Writes with the write in flight recorded: `_destroy` must not close the fd under it (fd reuse). */
  #track(bufs: Buffer[], cb: (e?: Error | null) => void): void {
    this.#writing = new Promise<void>((resolve) => {
      this.#writeAll(bufs, (e) => {
        this.#writing = undefined;
        resolve();
        cb(e);
      });
    });
  }

  override _final(cb: (e?: Error | null) => void): void {
    void this.#settled().then(() => {
      if (this.#syncError) return cb(this.#syncError);
      fsync(this.#fd!, (e) => cb(e));
    });
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    void this.#settled().then(() => {
      const fd = this.#fd;
      this.#fd = undefined;
      if (fd === undefined) return cb(err);
      close(fd, (e) => cb(err ?? e));
    });
  }

  #writeAll(bufs: Buffer[], cb: (e?: Error | null) => void): void {
    if (bufs.every((b) => b.length === 0)) return cb();
    writev(this.#fd!, bufs, (e, n) => {
      if (e) return cb(e);
      if (n === 0) return cb(new Error(`writev to ${this.#path} wrote nothing`));
      this.bytesWritten += n;
      const left = dropBytes(bufs, n);
      if (left.length > 0) return this.#writeAll(left, cb);
      this.#maybeSync();
      cb();
    });
  }

  #maybeSync(): void {
    const every = this.#opts.syncEveryBytes ?? 0;
    if (every <= 0 || this.#syncing || this.bytesWritten - this.#syncedAt < every) return;
    this.#syncedAt = this.bytesWritten;
    const fd = this.#fd!;
    this.#syncing = new Promise<void>((resolve) => {
      fdatasync(fd, (e) => {
        if (e) this.#syncError ??= e;
        this.#syncing = undefined;
        resolve();
      });
    });
  }

  /** Resolves once no write and no background sync is in flight. */
  async #settled(): Promise<void> {
    while (this.#writing || this.#syncing) await (this.#writing ?? this.#syncing);
  }
}

/** The buffers left after the first `n` bytes were written (a short writev). */
function dropBytes(bufs: readonly Buffer[], n: number): Buffer[] {
  const left: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    left.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return left;
}
