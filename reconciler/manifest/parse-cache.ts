/**
 * Remembers FileResults by (blob id, path), so a new revision re-parses only the files that
 * changed. A FileResult names its path in every diagnostic, so the same blob at two paths is
 * two entries.
 */
import type { FileResult, ManifestFile } from "./types.js";

function cacheKey(blobId: string, path: string): string {
  return `${blobId}\0${path}`;
}

/** A cache of parsed files; entries are immutable FileResults. Not bounded: call `retain` per revision. */
export class ParseCache {
  readonly #entries = new Map<string, FileResult>();

  /** The cached result of `file`, or undefined (always undefined when the file has no blobId). */
  get(file: ManifestFile): FileResult | undefined {
    return file.blobId === undefined ? undefined : this.#entries.get(cacheKey(file.blobId, file.path));
  }

  /** Stores `result` for `file`; a file without blobId is not cached. */
  set(file: ManifestFile, result: FileResult): void {
    if (file.blobId !== undefined) this.#entries.set(cacheKey(file.blobId, file.path), result);
  }

  /** Drops every entry that is not one of `files` (call it with the current tree to bound the cache). */
  retain(files: readonly ManifestFile[]): void {
    const keep = new Set(files.flatMap((f) => (f.blobId === undefined ? [] : [cacheKey(f.blobId, f.path)])));
    for (const k of this.#entries.keys()) if (!keep.has(k)) this.#entries.delete(k);
  }

  /** Number of cached files. */
  get size(): number {
    return this.#entries.size;
  }
}
