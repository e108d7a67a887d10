/**
 * The per-node HTTP download cache: one entry per URL (`<dataDir>/cache/http/<sha256(url)>/`,
 * `body` + `meta.json` with ETag / Last-Modified / sha256). A later disk from the same URL
 * revalidates with a conditional GET (If-None-Match / If-Modified-Since) and reuses the body
 * on 304; concurrent requests for one URL share one download.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { downloadFile, type DownloadOptions } from "./http-download.js";
import { commitFile, ensureDir, fileSize, removeFile } from "./file-io.js";
import { httpCacheDir } from "./layout.js";
import { DownloadError } from "./errors.js";

/** A verified cached body. */
export interface CachedFile {
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  /** True when no byte was transferred (304 on a cached copy). */
  readonly fromCache: boolean;
}

interface CacheMeta {
  readonly url: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly contentType?: string | undefined;
}

/** One request for a cached URL. */
export interface CacheFetch {
  readonly url: string;
  readonly expectSha256?: string | undefined;
  readonly expectSizeBytes?: number | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: DownloadOptions["onProgress"];
  /**
   * When the signal aborts the download, remove its part file and resume record instead of
   * keeping them for a resume: the caller aborts only when the download is no longer wanted (a
   * newer command superseded it, issue #11). Default false: an abort keeps the part.
   */
  readonly discardPartOnAbort?: boolean;
}

/** The node's HTTP download cache under `<dataDir>/cache/http`. */
export class HttpCache {
  readonly #dataDir: string;
  readonly #inFlight = new Map<string, Promise<CachedFile>>();

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  /** The cache directory of `url`. */
  dirOf(url: string): string {
    return httpCacheDir(this.#dataDir, createHash("sha256").update(url).digest("hex").slice(0, 32));
  }

  /**
   * The verified body of `req.url`: revalidated when cached, downloaded (or resumed) otherwise.
   * Throws DownloadError (see downloadFile); a failed download never replaces a good entry.
   */
  fetch(req: CacheFetch): Promise<CachedFile> {
    const running = this.#inFlight.get(req.url);
    if (running) return running.then((f) => this.#checkShared(req, f));
    const p = this.#fetch(req).finally(() => this.#inFlight.delete(req.url));
    this.#inFlight.set(req.url, p);
    return p;
  }

  #checkShared(req: CacheFetch, f: CachedFile): CachedFile {
    if (req.expectSha256 !== undefined && req.expectSha256 !== f.sha256) {
      throw new DownloadError("DOWNLOAD_CHECKSUM", { url: req.url, message: `sha256 ${f.sha256} differs from the expected ${req.expectSha256}` });
    }
    return f;
  }

  async #fetch(req: CacheFetch): Promise<CachedFile> {
    const dir = this.dirOf(req.url);
    await ensureDir(dir);
    const body = join(dir, "body");
    const meta = await this.#readMeta(dir, req.url, body);
    const res = await this.#download(req, body, meta);
    if (res.status === 304 && meta) {
      return this.#checkShared(req, { path: body, sha256: meta.sha256, sizeBytes: meta.sizeBytes, contentType: meta.contentType, fromCache: true });
    }
    const next: CacheMeta = { url: req.url, etag: res.etag, lastModified: res.lastModified, sha256: res.sha256, sizeBytes: res.sizeBytes, contentType: res.contentType };
    await removeFile(join(dir, "meta.json"));
    await commitFile(`${body}.part`, body);
    await removeFile(`${body}.part.json`);
    await writeFile(join(dir, "meta.json.tmp"), JSON.stringify(next));
    await commitFile(join(dir, "meta.json.tmp"), join(dir, "meta.json"));
    return { path: body, sha256: res.sha256, sizeBytes: res.sizeBytes, contentType: res.contentType, fromCache: false };
  }

  /**
   * Downloads (or resumes) into `body.part`. With `discardPartOnAbort`, a download aborted by
   * its caller's signal removes its part file and resume record (see CacheFetch).
   */
  async #download(req: CacheFetch, body: string, meta: CacheMeta | undefined): ReturnType<typeof downloadFile> {
    try {
      return await downloadFile({
        url: req.url,
        part: `${body}.part`,
        ...(req.headers ? { headers: req.headers } : {}),
        ...(meta && (meta.etag || meta.lastModified) ? { cached: { etag: meta.etag, lastModified: meta.lastModified } } : {}),
        expectSha256: req.expectSha256,
        expectSizeBytes: req.expectSizeBytes,
        signal: req.signal,
        ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      });
    } catch (e: unknown) {
      if (req.discardPartOnAbort === true && req.signal?.aborted === true) {
        await removeFile(`${body}.part`);
        await removeFile(`${body}.part.json`);
      }
      throw e;
    }
  }

  /** The entry's record when it is complete and its body has the recorded size. */
  async #readMeta(dir: string, url: string, body: string): Promise<CacheMeta | undefined> {
    try {
      const m = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as CacheMeta;
      return m.url === url && (await fileSize(body)) === m.sizeBytes ? m : undefined;
    } catch {
      return undefined;
    }
  }
}
