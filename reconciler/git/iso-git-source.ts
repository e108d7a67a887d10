/**
 * The GitSource adapter on isomorphic-git: the only module of the controller that reads the
 * manifests repository. A remote repository is cloned once into the work dir, then fetched;
 * a local one is read in place.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import type { FetchResult, GitSource, TreeFiles } from "./git-source.js";
import type { GitAuth } from "./git-auth.js";
import { GitSourceError } from "./errors.js";
import { readFilesTree } from "./tree-io.js";
import { locateRepo, type RepoLocation } from "./repo-location.js";

/** Options of IsoGitSource. */
export interface IsoGitSourceOptions {
  /** http(s) URL or local path. */
  readonly repo: string;
  readonly branch: string;
  /** Manifests path inside the repository ("" or "." for the root). */
  readonly path?: string;
  /** Where a remote repository is cloned. */
  readonly workDir: string;
  readonly auth?: GitAuth | undefined;
}

/** Reads the manifests branch of a local or remote repository. */
export class IsoGitSource implements GitSource {
  private readonly loc: RepoLocation;
  private readonly cloneDir: string;
  private readonly cache = {};
  private last: string | undefined;
  private cloned = false;

  private readonly opts: IsoGitSourceOptions;

  constructor(opts: IsoGitSourceOptions) {
    this.opts = opts;
    this.loc = locateRepo(opts.repo);
    this.cloneDir = join(opts.workDir, "source");
  }

  /** The gitdir to read objects from (the clone for a remote). */
  get gitdir(): string {
    return this.loc.kind === "local" ? this.loc.gitdir : join(this.cloneDir, ".git");
  }

  async fetch(): Promise<FetchResult> {
    try {
      const commit = this.loc.kind === "local" ? await this.resolveLocal() : await this.fetchRemote(this.loc.url);
      const changed = commit !== this.last;
      this.last = commit;
      return { commit, changed };
    } catch (e: unknown) {
      throw new GitSourceError(`cannot fetch branch ${this.opts.branch}: ${(e as Error).message}`, this.opts.repo, { cause: e });
    }
  }

  private async resolveLocal(): Promise<string> {
    return git.resolveRef({ fs, gitdir: this.gitdir, ref: `refs/heads/${this.opts.branch}` });
  }

  private async fetchRemote(url: string): Promise<string> {
    const auth = this.opts.auth;
    const common = { fs, http, dir: this.cloneDir, singleBranch: true, ref: this.opts.branch, onAuth: () => auth ?? {} };
    if (!this.cloned && !fs.existsSync(join(this.cloneDir, ".git"))) {
      await git.clone({ ...common, url, noCheckout: true, noTags: true });
    } else {
      await git.fetch({ ...common, remote: "origin", tags: false });
    }
    this.cloned = true;
    return git.resolveRef({ fs, gitdir: this.gitdir, ref: `refs/remotes/origin/${this.opts.branch}` });
  }

  async readTree(commit: string): Promise<TreeFiles> {
    const prefix = (this.opts.path ?? "").replace(/^\.?\/*|\/+$/g, "");
    let root: string;
    try {
      root = (await git.readTree({ fs, gitdir: this.gitdir, oid: commit, ...(prefix ? { filepath: prefix } : {}), cache: this.cache })).oid;
    } catch (e: unknown) {
      throw new GitSourceError(`cannot read ${prefix || "/"} at ${commit}: ${(e as Error).message}`, this.opts.repo, { cause: e });
    }
    return readFilesTree(this.gitdir, root, this.cache);
  }

  async commitMessage(commit: string): Promise<string> {
    const { commit: c } = await git.readCommit({ fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
    return c.message;
  }
}
