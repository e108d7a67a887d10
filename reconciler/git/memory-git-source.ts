/** A GitSource fake for unit tests of the loop: commits are pushed as file maps. */
import type { FetchResult, GitSource, TreeFiles } from "./git-source.js";

/** In-memory commits on one branch. */
export class MemoryGitSource implements GitSource {
  private readonly commits = new Map<string, { files: TreeFiles; message: string }>();
  private head: string | undefined;
  private last: string | undefined;
  private seq = 0;

  /** Adds a commit with `files` on top of the branch and returns its id. */
  commit(files: Record<string, string>, message = "commit"): string {
    const id = (++this.seq).toString(16).padStart(40, "0");
    this.commits.set(id, { files: new Map(Object.entries(files)), message });
    this.head = id;
    return id;
  }

  async fetch(): Promise<FetchResult> {
    if (this.head === undefined) throw new Error("branch has no commit");
    const changed = this.head !== this.last;
    this.last = this.head;
    return { commit: this.head, changed };
  }

  async readTree(commit: string): Promise<TreeFiles> {
    const c = this.commits.get(commit);
    if (c === undefined) throw new Error(`unknown commit ${commit}`);
    return c.files;
  }

  async commitMessage(commit: string): Promise<string> {
    return this.commits.get(commit)?.message ?? "";
  }
}
