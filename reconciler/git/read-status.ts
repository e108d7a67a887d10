/**
 * Reads what the status branch says is applied (CONTRACT.md §5), for `humops plan`: the
 * `Manifests-Commit` trailer of its latest commit (the default base), and its status files as
 * AppliedResources (the default observed state when asked for a status ref). Adapter on
 * isomorphic-git and yaml.
 */
import * as fs from "node:fs";
import git from "isomorphic-git";
import { parse } from "yaml";
import { readTrailer } from "../plan/trailers.js";
import { GitSourceError } from "./errors.js";
import { readCommitMessage, resolveRevision, type RepoHandle } from "./read-revision.js";
import { toAppliedResource } from "./read-observed-file.js";
import type { AppliedResource } from "../diff/types.js";

/** The trailer the controller writes on every status commit. */
export const MANIFESTS_COMMIT_TRAILER = "Manifests-Commit";

/** The status branch's latest commit, local branch first, then `origin/<branch>`; undefined when neither exists. */
export async function findStatusCommit(repo: RepoHandle, branch = "status"): Promise<string | undefined> {
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
    try {
      return await git.resolveRef({ fs, gitdir: repo.gitdir, ref });
    } catch {
      continue; // not this one: try the next spelling
    }
  }
  return undefined;
}

/** The manifests commit the status branch last applied (its `Manifests-Commit` trailer), if any. */
export async function readAppliedCommit(repo: RepoHandle, branch = "status"): Promise<string | undefined> {
  const status = await findStatusCommit(repo, branch);
  if (!status) return undefined;
  const sha = readTrailer(await readCommitMessage(repo, status), MANIFESTS_COMMIT_TRAILER);
  return sha && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}

async function readYamlFiles(repo: RepoHandle, oid: string, base: string, out: { path: string; text: string }[]): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  for (const e of tree) {
    const path = base ? `${base}/${e.path}` : e.path;
    if (e.type === "tree") await readYamlFiles(repo, e.oid, path, out);
    else if (e.type === "blob" && /\.ya?ml$/.test(e.path)) {
      const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid: e.oid, cache: repo.cache });
      out.push({ path, text: Buffer.from(blob).toString("utf8") });
    }
  }
}

/**
 * The resources a status ref records (files under `cluster/` and `groups/`), as applied state.
 * A file that does not parse is an error naming it: a wrong observed state must not plan deletes.
 */
export async function readStatusApplied(repo: RepoHandle, rev: string): Promise<AppliedResource[]> {
  const commit = await resolveRevision(repo, rev);
  const root = (await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache })).commit.tree;
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid: root, cache: repo.cache });
  const files: { path: string; text: string }[] = [];
  for (const e of tree) if (e.type === "tree" && (e.path === "cluster" || e.path === "groups")) await readYamlFiles(repo, e.oid, e.path, files);
  return files.map((f) => {
    try {
      return toAppliedResource(parse(f.text));
    } catch (e: unknown) {
      throw new GitSourceError(`status file ${f.path} at ${rev}: ${(e as Error).message}`, repo.gitdir, { cause: e });
    }
  });
}
