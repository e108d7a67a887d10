/**
 * The StatusWriter adapter on isomorphic-git: commits the status branch without a work tree
 * (blobs, trees and a commit written directly). For a local repository it writes
 * refs/heads/<branch> in place; for a remote one it keeps its own object store in the work
 * dir, fetches the branch, commits on top and pushes, re-applying on a non-fast-forward.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import type { StatusSnapshot, StatusWriter } from "../status/status-writer.js";
import type { GitAuth } from "./git-auth.js";
import { StatusPushError } from "./errors.js";
import { locateRepo, type RepoLocation } from "./repo-location.js";
import { readFilesTree, writeFilesTree } from "./tree-io.js";

/** Options of IsoGitStatusWriter. */
export interface IsoGitStatusWriterOptions {
  readonly repo: string;
  readonly branch: string;
  readonly workDir: string;
  readonly auth?: GitAuth | undefined;
  readonly now?: () => Date;
}

const AUTHOR = { name: "humops controller", email: "humops@localhost" };
const PUSH_ATTEMPTS = 4;

/** Writes the status branch of the manifests repository. */
export class IsoGitStatusWriter implements StatusWriter {
  private readonly loc: RepoLocation;
  private readonly gitdir: string;
  private readonly cache = {};
  private initialised = false;

  private readonly opts: IsoGitStatusWriterOptions;

  constructor(opts: IsoGitStatusWriterOptions) {
    this.opts = opts;
    this.loc = locateRepo(opts.repo);
    this.gitdir = this.loc.kind === "local" ? this.loc.gitdir : join(opts.workDir, "status.git");
  }

  private get localRef(): string {
    return `refs/heads/${this.opts.branch}`;
  }

  private async head(): Promise<string | undefined> {
    if (this.loc.kind === "remote") await this.fetchRemote(this.loc.url);
    const ref = this.loc.kind === "local" ? this.localRef : `refs/remotes/origin/${this.opts.branch}`;
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref });
    } catch {
      return undefined;
    }
  }

  private async fetchRemote(url: string): Promise<void> {
    if (!this.initialised) {
      await git.init({ fs, gitdir: this.gitdir, bare: true, defaultBranch: this.opts.branch });
      await git.addRemote({ fs, gitdir: this.gitdir, remote: "origin", url, force: true });
      this.initialised = true;
    }
    try {
      await git.fetch({ fs, http, gitdir: this.gitdir, remote: "origin", ref: this.opts.branch, singleBranch: true, tags: false, onAuth: () => this.opts.auth ?? {} });
    } catch (e: unknown) {
      // A missing status branch is normal before the first write; anything else is not.
      if ((e as { code?: string }).code !== "NotFoundError") throw e;
    }
  }

  async read(): Promise<StatusSnapshot | undefined> {
    try {
      const commit = await this.head();
      if (commit === undefined) return undefined;
      const { commit: c } = await git.readCommit({ fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
      return { commit, message: c.message, files: await readFilesTree(this.gitdir, commit, this.cache) };
    } catch (e: unknown) {
      throw new StatusPushError(`cannot read status branch ${this.opts.branch}: ${(e as Error).message}`, this.opts.repo, { cause: e });
    }
  }

  async write(files: ReadonlyMap<string, string>, message: string): Promise<{ changed: boolean; commit: string | undefined }> {
    try {
      const tree = await writeFilesTree(this.gitdir, files);
      for (let attempt = 1; ; attempt++) {
        const parent = await this.head();
        if (parent !== undefined && (await git.readCommit({ fs, gitdir: this.gitdir, oid: parent, cache: this.cache })).commit.tree === tree) {
          return { changed: false, commit: parent };
        }
        const commit = await this.commit(tree, parent, message);
        if (this.loc.kind === "local" || (await this.push(this.loc.url, commit, attempt))) return { changed: true, commit };
      }
    } catch (e: unknown) {
      if (e instanceof StatusPushError) throw e;
      throw new StatusPushError(`cannot write status branch ${this.opts.branch}: ${(e as Error).message}`, this.opts.repo, { cause: e });
    }
  }

  private async commit(tree: string, parent: string | undefined, message: string): Promise<string> {
    const timestamp = Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000);
    const author = { ...AUTHOR, timestamp, timezoneOffset: 0 };
    const commit = await git.writeCommit({
      fs,
      gitdir: this.gitdir,
      commit: { message, tree, parent: parent === undefined ? [] : [parent], author, committer: author },
    });
    await git.writeRef({ fs, gitdir: this.gitdir, ref: this.localRef, value: commit, force: true });
    return commit;
  }

  /** Pushes; false on a non-fast-forward (the caller re-applies on the new head). */
  private async push(url: string, commit: string, attempt: number): Promise<boolean> {
    try {
      const res = await git.push({ fs, http, gitdir: this.gitdir, url, ref: this.localRef, remoteRef: this.localRef, onAuth: () => this.opts.auth ?? {} });
      if (res.ok) return true;
      throw new Error(res.error ?? "push refused");
    } catch (e: unknown) {
      const code = (e as { code?: string }).code;
      if ((code === "PushRejectedError" || code === "GitPushError") && attempt < PUSH_ATTEMPTS) return false;
      throw new StatusPushError(`cannot push ${commit.slice(0, 12)} to ${this.opts.branch}: ${(e as Error).message}`, this.opts.repo, { cause: e });
    }
  }
}
