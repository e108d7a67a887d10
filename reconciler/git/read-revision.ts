/**
 * Reads one revision of a local manifests repository for `humops plan` with isomorphic-git:
 * resolves a ref, sha or `WORKTREE`, lists the manifest files under the manifests path with
 * their blob ids, and reads only the blobs the caller has not parsed yet. Adapter: the only
 * plan-side module that reads git objects (besides read-status.ts).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import { IGNORE_FILE, selectManifestPaths } from "../manifest/select-manifest-paths.js";
import type { ManifestFile } from "../manifest/types.js";
import { readManifestTree } from "../source/fs-tree.js";
import { GitSourceError } from "./errors.js";
import { locateRepo } from "./repo-location.js";

/** The revision spelling for the working tree (files on disk, uncommitted changes included). */
export const WORKTREE = "WORKTREE";

/** A repository opened for reading: its gitdir, its work tree (if any), and isomorphic-git's pack cache. */
export interface RepoHandle {
  readonly gitdir: string;
  readonly dir: string | undefined;
  readonly cache: object;
}

/** Opens a local repository (a work tree or a bare repository). */
export function openRepo(path: string): RepoHandle {
  const loc = locateRepo(path);
  if (loc.kind !== "local") throw new GitSourceError(`humops plan reads a local repository; clone ${loc.url} first`, path);
  return { gitdir: loc.gitdir, dir: loc.dir, cache: {} };
}

/** Resolves a branch, tag, remote ref (`origin/main`), `HEAD` or (abbreviated) sha to a commit sha; GitSourceError when none matches. */
export async function resolveRevision(repo: RepoHandle, rev: string): Promise<string> {
  try {
    return await git.resolveRef({ fs, gitdir: repo.gitdir, ref: rev });
  } catch (e: unknown) {
    if (!/^[0-9a-f]{4,40}$/i.test(rev)) throw new GitSourceError(`unknown revision "${rev}"`, repo.gitdir, { cause: e });
    try {
      return await git.expandOid({ fs, gitdir: repo.gitdir, oid: rev.toLowerCase(), cache: repo.cache });
    } catch (e2: unknown) {
      throw new GitSourceError(`unknown revision "${rev}"`, repo.gitdir, { cause: e2 });
    }
  }
}

/** The full message of `commit`. */
export async function readCommitMessage(repo: RepoHandle, commit: string): Promise<string> {
  const { commit: c } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache });
  return c.message;
}

async function subtreeOid(repo: RepoHandle, commit: string, path: string): Promise<string | undefined> {
  let oid = (await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache })).commit.tree;
  for (const part of path.split("/").filter((p) => p !== "" && p !== ".")) {
    const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    const next = tree.find((e) => e.path === part && e.type === "tree");
    if (!next) return undefined;
    oid = next.oid;
  }
  return oid;
}

async function listBlobs(repo: RepoHandle, oid: string, base: string, out: Map<string, string>): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  for (const e of tree) {
    const path = base ? `${base}/${e.path}` : e.path;
    if (e.type === "tree" && !e.path.startsWith(".")) await listBlobs(repo, e.oid, path, out);
    else if (e.type === "blob") out.set(path, e.oid);
  }
}

async function readText(repo: RepoHandle, oid: string): Promise<string> {
  const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  return Buffer.from(blob).toString("utf8");
}

/** Options of readRevisionFiles. */
export interface ReadRevisionOptions {
  /** Manifests path inside the repository ("" = root). */
  readonly path?: string;
  /** True when the caller already parsed this blob: its text is not read (left empty). */
  readonly isCached?: (path: string, blobId: string) => boolean;
}

/**
 * The manifest files of `commit` (or of the work tree for `WORKTREE`), with blob ids, paths
 * relative to the manifests path, `.humopsignore` and dot-paths applied. A missing manifests
 * path gives no files.
 */
export async function readRevisionFiles(repo: RepoHandle, commit: string, opts: ReadRevisionOptions = {}): Promise<ManifestFile[]> {
  const path = opts.path ?? "";
  if (commit === WORKTREE) {
    if (!repo.dir) throw new GitSourceError("WORKTREE needs a repository with a work tree", repo.gitdir);
    return readManifestTree(join(repo.dir, path));
  }
  const root = await subtreeOid(repo, commit, path);
  if (!root) return [];
  const blobs = new Map<string, string>();
  await listBlobs(repo, root, "", blobs);
  const ignoreOid = blobs.get(IGNORE_FILE);
  const selected = selectManifestPaths([...blobs.keys()], ignoreOid ? await readText(repo, ignoreOid) : undefined);
  return Promise.all(
    selected.map(async (p) => {
      const blobId = blobs.get(p)!;
      const text = opts.isCached?.(p, blobId) ? "" : await readText(repo, blobId);
      return { path: p, text, blobId };
    }),
  );
}
