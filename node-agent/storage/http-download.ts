/**
 * Streamed HTTP(S) download into a temporary file, with every check a disk needs before it can
 * be trusted: status, content type, size (Content-Length against bytes received), optional
 * sha256. Resumable: a `.part` left by a crash is continued with `Range` + `If-Range` when the
 * server's validator still matches, otherwise restarted. Node's http/https only (no curl).
 */
import { createHash, type Hash } from "node:crypto";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DownloadError } from "./errors.js";
import { DurableFileWriter, fileSize, removeFile } from "./file-io.js";

/** What a finished download is. */
export interface DownloadResult {
  /** 304 when a conditional request found the cached copy current (nothing was written). */
  readonly status: 200 | 206 | 304;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** True when an earlier partial download was continued. */
  readonly resumed: boolean;
}

/** Options of one download. */
export interface DownloadOptions {
  readonly url: string;
  /** The temporary file written; `${part}.json` keeps the validators for resuming. */
  readonly part: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Validators of a cached copy: a 304 answer ends the download with status 304. */
  readonly cached?: { readonly etag?: string | undefined; readonly lastModified?: string | undefined };
  readonly expectSha256?: string | undefined;
  readonly expectSizeBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Background fdatasync interval while writing (default 16 MiB; 0: one fsync at the end only). */
  readonly syncEveryBytes?: number;
  /** Called with bytes received so far (throttled by the caller if needed). */
  readonly onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

/**
 * Background fdatasync interval while writing: the disk flushes while the body still arrives, so
 * the fsync before the caller's rename finds (almost) nothing left to write. On a 200 MiB body
 * this took the closing fsync from ~100 ms to <10 ms (bench/storage.bench.ts, docs/storage.md).
 */
const SYNC_EVERY_BYTES = 16 << 20;

/** Syscalls of DurableFileWriter: their errors are the disk's (ENOSPC, EIO), not a lost connection. */
const FILE_SYSCALLS: ReadonlySet<string> = new Set(["open", "writev", "fdatasync", "fsync", "close"]);

const REJECTED_TYPES = /^(text\/|application\/(json|xml|xhtml\+xml|javascript))/i;

function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, hops = 0): Promise<IncomingMessage> {
  const get = url.startsWith("https:") ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, ...(signal ? { signal } : {}) }, (res) => {
      const loc = res.headers.location;
      if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && loc && hops < 5) {
        res.resume();
        resolve(request(new URL(loc, url).toString(), headers, signal, hops + 1));
        return;
      }
      resolve(res);
    });
    req.on("error", (e) => reject(new DownloadError("DOWNLOAD_FAILED", { url, message: e.message }, { cause: e })));
  });
}

interface PartState {
  readonly bytes: number;
  readonly validator: string | undefined;
}

async function readPart(part: string, url: string): Promise<PartState> {
  const bytes = (await fileSize(part)) ?? 0;
  try {
    const meta = JSON.parse(await readFile(`${part}.json`, "utf8")) as { url?: string; etag?: string; lastModified?: string };
    if (meta.url !== url) return { bytes: 0, validator: undefined };
    return { bytes, validator: meta.etag ?? meta.lastModified };
  } catch {
    return { bytes: 0, validator: undefined };
  }
}

function buildHeaders(opts: DownloadOptions, partState: PartState): Record<string, string> {
  const h: Record<string, string> = { "user-agent": "humops-agent", ...opts.headers };
  if (partState.bytes > 0 && partState.validator) {
    h["range"] = `bytes=${partState.bytes}-`;
    h["if-range"] = partState.validator;
  } else {
    if (opts.cached?.etag) h["if-none-match"] = opts.cached.etag;
    if (opts.cached?.lastModified) h["if-modified-since"] = opts.cached.lastModified;
  }
  return h;
}

function checkResponse(url: string, res: IncomingMessage): void {
  const status = res.statusCode ?? 0;
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new DownloadError("DOWNLOAD_HTTP_STATUS", { url, message: `HTTP ${status} ${res.statusMessage ?? ""}`.trim() });
  }
  const type = res.headers["content-type"];
  if (type && REJECTED_TYPES.test(type)) {
    res.resume();
    throw new DownloadError("DOWNLOAD_CONTENT_TYPE", { url, message: `content type ${type} is not a disk image` });
  }
}

/** The total size announced: Content-Length for 200, the `/total` of Content-Range for 206. */
function announcedTotal(res: IncomingMessage, offset: number): number | undefined {
  if (res.statusCode === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(res.headers["content-range"] ?? "");
    if (!m || Number(m[1]) !== offset) return undefined;
    return Number(m[2]);
  }
  const len = res.headers["content-length"];
  return len !== undefined ? Number(len) : undefined;
}

async function streamBody(opts: DownloadOptions, res: IncomingMessage, offset: number, hash: Hash): Promise<number> {
  let received = offset;
  const total = announcedTotal(res, offset);
  // One pipeline with a buffered writer (coalesced writev): ~25% faster than awaiting a write per
  // chunk. Hashing stays on this thread: a worker fed through a shared ring was slower on 2 cores.
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      received += chunk.length;
      opts.onProgress?.(received, total);
      cb(null, chunk);
    },
  });
  // Its `finish` comes after an fsync: the part is on disk before anyone can rename it.
  const out = new DurableFileWriter(opts.part, { append: offset > 0, syncEveryBytes: opts.syncEveryBytes ?? SYNC_EVERY_BYTES, highWaterMark: 4 << 20 });
  try {
    await pipeline(res, tap, out);
  } catch (e: unknown) {
    // pipeline rejects as soon as one stream fails, while the writer may still finish a write:
    // wait for it to close, so the part holds all it ever will before anyone resumes from it
    // (a resume reads its size; a retry must never append while this writer still does).
    if (!out.closed) await new Promise((r) => out.once("close", r));
    if (FILE_SYSCALLS.has((e as NodeJS.ErrnoException).syscall ?? "")) {
      throw new DownloadError("DOWNLOAD_FAILED", { url: opts.url, message: `writing ${opts.part}: ${(e as Error).message}` }, { cause: e });
    }
    throw new DownloadError("DOWNLOAD_TRUNCATED", { url: opts.url, message: `connection lost after ${received} of ${total ?? "?"} bytes` }, { cause: e });
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError("DOWNLOAD_TRUNCATED", { url: opts.url, message: `received ${received} of ${total} bytes` });
  }
  return received;
}

/** Hashes the bytes already in the part file (resume) into `hash`. */
async function hashExisting(part: string, bytes: number, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(part, { end: bytes - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

/**
 * Downloads `opts.url` into `opts.part` and checks it. Resolves with the digest and validators;
 * the caller renames the part into place. Throws DownloadError: DOWNLOAD_HTTP_STATUS,
 * DOWNLOAD_CONTENT_TYPE, DOWNLOAD_TRUNCATED (part kept: the next call resumes),
 * DOWNLOAD_CHECKSUM (part removed), DOWNLOAD_FAILED (connection).
 */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const partState = await readPart(opts.part, opts.url);
  const res = await request(opts.url, buildHeaders(opts, partState), opts.signal);
  if (res.statusCode === 304) {
    res.resume();
    return { status: 304, sha256: "", sizeBytes: 0, contentType: undefined, etag: opts.cached?.etag, lastModified: opts.cached?.lastModified, resumed: false };
  }
  if (res.statusCode === 416 || (res.statusCode === 206 && announcedTotal(res, partState.bytes) === undefined)) {
    // The part no longer matches what the server has: start over on the next attempt.
    await discardPart(opts.part);
  }
  checkResponse(opts.url, res);
  const resumed = res.statusCode === 206;
  if (resumed && announcedTotal(res, partState.bytes) === undefined) {
    res.resume();
    throw new DownloadError("DOWNLOAD_FAILED", { url: opts.url, message: `unexpected Content-Range ${res.headers["content-range"] ?? "(none)"}` });
  }
  const offset = resumed ? partState.bytes : 0;
  const etag = res.headers.etag;
  const lastModified = res.headers["last-modified"];
  await writeFile(`${opts.part}.json`, JSON.stringify({ url: opts.url, etag, lastModified }));
  const hash = createHash("sha256");
  if (offset > 0) await hashExisting(opts.part, offset, hash);
  const sizeBytes = await streamBody(opts, res, offset, hash);
  const sha256 = hash.digest("hex");
  await checkDigest(opts, sha256, sizeBytes);
  return { status: resumed ? 206 : 200, sha256, sizeBytes, contentType: res.headers["content-type"], etag, lastModified, resumed };
}

async function checkDigest(opts: DownloadOptions, sha256: string, sizeBytes: number): Promise<void> {
  const bad =
    opts.expectSha256 !== undefined && opts.expectSha256 !== sha256
      ? `sha256 ${sha256} differs from the expected ${opts.expectSha256}`
      : opts.expectSizeBytes !== undefined && opts.expectSizeBytes !== sizeBytes
        ? `size ${sizeBytes} differs from the expected ${opts.expectSizeBytes}`
        : undefined;
  if (bad) {
    await discardPart(opts.part);
    throw new DownloadError("DOWNLOAD_CHECKSUM", { url: opts.url, message: bad });
  }
}

/** Removes a part file and its resume record. */
export async function discardPart(part: string): Promise<void> {
  await removeFile(part);
  await removeFile(`${part}.json`);
}
