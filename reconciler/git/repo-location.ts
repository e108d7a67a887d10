/**
 * Where a repository lives: a remote URL (http/https, cloned into the controller's work dir)
 * or a local path (read in place: isomorphic-git has no file:// transport).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** A repository as isomorphic-git addresses it. */
export type RepoLocation =
  | { readonly kind: "remote"; readonly url: string }
  | { readonly kind: "local"; readonly dir?: string; readonly gitdir: string };

/** True when `repo` is an http(s) URL rather than a path. */
export function isRemoteRepo(repo: string): boolean {
  return /^https?:\/\//i.test(repo);
}

/** Resolves `repo` (URL, `file://` URL, working tree or bare repository path) to a location. */
export function locateRepo(repo: string): RepoLocation {
  if (isRemoteRepo(repo)) return { kind: "remote", url: repo };
  const path = resolve(repo.replace(/^file:\/\//, ""));
  if (existsSync(join(path, ".git"))) return { kind: "local", dir: path, gitdir: join(path, ".git") };
  return { kind: "local", gitdir: path };
}
