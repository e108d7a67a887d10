/**
 * Reads one revision of a local manifests repository for `humops plan` with isomorphic-git:
 * resolves a revision as git spells it (`main~2`, `origin/main`, a short sha) or `WORKTREE`, lists the manifest files under the manifests path with
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
import { parseRevision } from "./parse-revision.js";
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

const NOT_FOUND = "no branch, tag, remote branch or commit of that name";

/** The object `name` names: a ref (git's order: exact, refs/, tags, heads, remotes), else an abbreviated sha. */
async function resolveName(repo: RepoHandle, rev: string, name: string): Promise<string> {
  try {
    return await git.resolveRef({ fs, gitdir: repo.gitdir, ref: name });
  } catch (e: unknown) {
    if (!/^[0-9a-f]{4,40}$/i.test(name)) throw new GitSourceError(`unknown revision "${rev}": ${NOT_FOUND}`, repo.gitdir, { cause: e });
    try {
      return await git.expandOid({ fs, gitdir: repo.gitdir, oid: name.toLowerCase(), cache: repo.cache });
    } catch (e2: unknown) {
      const why = (e2 as { code?: string }).code === "AmbiguousError" ? `the short sha ${name} names several objects; give more digits` : NOT_FOUND;
      throw new GitSourceError(`unknown revision "${rev}": ${why}`, repo.gitdir, { cause: e2 });
    }
  }
}

/** The commit `oid` is or points to (annotated tags peeled, tags of tags too). */
async function peelToCommit(repo: RepoHandle, rev: string, oid: string): Promise<{ oid: string; parents: readonly string[] }> {
  for (;;) {
    let obj: Awaited<ReturnType<typeof git.readObject>>;
    try {
      obj = await git.readObject({ fs, gitdir: repo.gitdir, oid, format: "parsed", cache: repo.cache });
    } catch (e: unknown) {
      throw new GitSourceError(`unknown revision "${rev}": ${NOT_FOUND}`, repo.gitdir, { cause: e });
    }
    if (obj.type === "commit") return { oid, parents: (obj.object as { parent: string[] }).parent };
    if (obj.type !== "tag") throw new GitSourceError(`unknown revision "${rev}": a ${obj.type}, not a commit`, repo.gitdir);
    oid = (obj.object as { object: string }).object;
  }
}

/** `name` and the hops walked so far, as git would spell them (`main~5`, `HEAD~1^2`). */
function spell(name: string, hops: readonly number[]): string {
  return hops.reduce((s, h) => (h !== 1 ? `${s}^${h}` : /~\d+$/.test(s) ? s.replace(/~(\d+)$/, (_, n: string) => `~${Number(n) + 1}`) : `${s}~1`), name);
}

/**
 * Resolves a revision as git spells it (parse-revision.ts: a branch, tag, remote branch such as
 * `origin/main`, full ref, `HEAD`, a full or abbreviated sha, then any chain of `~N` and `^N`)
 * to a commit sha. Throws GitSourceError naming the revision and why when it does not resolve.
 */
export async function resolveRevision(repo: RepoHandle, rev: string): Promise<string> {
  const parsed = parseRevision(rev);
  if ("invalid" in parsed) throw new GitSourceError(`unknown revision "${rev}": ${parsed.invalid}`, repo.gitdir);
  let commit = await peelToCommit(repo, rev, await resolveName(repo, rev, parsed.name));
  const hops: number[] = [];
  for (const step of parsed.steps) {
    for (let i = 0; i < step.times && step.parent > 0; i++) {
      const next = commit.parents[step.parent - 1];
      if (next === undefined) {
        const which = step.parent === 1 ? "no parent" : `no parent ${step.parent}`;
        throw new GitSourceError(`unknown revision "${rev}": ${commit.oid.slice(0, 7)} (${spell(parsed.name, hops)}) has ${which}`, repo.gitdir);
      }
      hops.push(step.parent);
      commit = await peelToCommit(repo, rev, next);
    }
  }
  return commit.oid;
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
