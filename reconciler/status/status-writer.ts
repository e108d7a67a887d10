/**
 * The controller's port to the status branch. Real: IsoGitStatusWriter
 * (reconciler/git/iso-git-status-writer.ts). Fake: MemoryStatusWriter.
 */

/** The status branch as last written. */
export interface StatusSnapshot {
  readonly commit: string;
  readonly message: string;
  readonly files: ReadonlyMap<string, string>;
}

/** Reads and writes the status branch. */
export interface StatusWriter {
  /** The current branch content; undefined when the branch does not exist yet. Rejects when the repository cannot be read. */
  read(): Promise<StatusSnapshot | undefined>;
  /**
   * Replaces the branch content by `files` in one commit, unless the tree is unchanged
   * (then `changed` is false and nothing is written). Rejects when it cannot push (retry later).
   */
  write(files: ReadonlyMap<string, string>, message: string): Promise<{ changed: boolean; commit: string | undefined }>;
}

/** A StatusWriter fake that keeps every commit in memory. */
export class MemoryStatusWriter implements StatusWriter {
  readonly commits: StatusSnapshot[] = [];

  async read(): Promise<StatusSnapshot | undefined> {
    return this.commits.at(-1);
  }

  async write(files: ReadonlyMap<string, string>, message: string): Promise<{ changed: boolean; commit: string | undefined }> {
    const last = this.commits.at(-1);
    if (last !== undefined && sameFiles(last.files, files)) return { changed: false, commit: last.commit };
    const commit = (this.commits.length + 1).toString(16).padStart(40, "0");
    this.commits.push({ commit, message, files: new Map(files) });
    return { changed: true, commit };
  }
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
