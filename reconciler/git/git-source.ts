/**
 * The controller's port to the manifests repository: fetch the branch, read a tree at a
 * commit. Real: IsoGitSource (iso-git-source.ts). Fake: MemoryGitSource (memory-git-source.ts).
 */

/** The result of one fetch: the branch head and whether it moved since the previous fetch. */
export interface FetchResult {
  readonly commit: string;
  readonly changed: boolean;
}

/** Files of a tree: path relative to the manifests path (with `/`) -> UTF-8 content. */
export type TreeFiles = ReadonlyMap<string, string>;

/** Where the controller's manifests come from. */
export interface GitSource {
  /** Brings the branch up to date; rejects when the repository cannot be reached (transient: retry later). */
  fetch(): Promise<FetchResult>;
  /** Every file under the manifests path at `commit` (paths relative to that path). */
  readTree(commit: string): Promise<TreeFiles>;
  /** The full message of `commit`. */
  commitMessage(commit: string): Promise<string>;
}
