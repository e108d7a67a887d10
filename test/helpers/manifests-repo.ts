/**
 * Manifests repositories for tests, with real commits made by isomorphic-git on a temp dir
 * (after isomorphic-git's own `makeFixture`): write files, commit, push to the test git server.
 */
import * as fs from "node:fs";
import { mkdtemp, mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { testTag } from "./test-tag.js";
import { onExitCleanup } from "./exit-cleanup.js";

/** A temporary directory; `cleanup()` removes it with everything inside. */
export interface TempDir {
  readonly path: string;
  cleanup(): Promise<void>;
}

/** Creates a temp dir named `humops-${prefix}-${tag}-XXXXXX` under the OS temp dir; removed at exit if cleanup() was not called. */
export async function tempDir(prefix = "tmp"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `humops-${prefix}-${testTag()}-`));
  const release = onExitCleanup(() => fs.rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async cleanup() {
      await rm(path, { recursive: true, force: true });
      release();
    },
  };
}

/** Basic-auth credentials for a push or clone. */
export interface GitCredentials {
  readonly user: string;
  readonly password: string;
}

/** Options of commit(). */
export interface CommitOptions {
  /** Paths to delete in the same commit. */
  readonly remove?: readonly string[];
}

/** A working repository on disk with a `main` branch. */
export interface ManifestsRepo {
  /** The work tree (the git dir is `${dir}/.git`). */
  readonly dir: string;
  /** Writes `files` (path -> text), removes `opts.remove`, commits everything; returns the new commit's sha. */
  commit(files: Readonly<Record<string, string>>, message: string, opts?: CommitOptions): Promise<string>;
  /** Pushes `main` (or `ref`) to `url`; `force` allows a non-fast-forward. Throws isomorphic-git errors (e.g. PushRejectedError). */
  push(url: string, opts?: { auth?: GitCredentials; ref?: string; force?: boolean }): Promise<void>;
  /** The sha `ref` (default HEAD) points at. */
  head(ref?: string): Promise<string>;
  /** Removes the work tree. */
  cleanup(): Promise<void>;
}

const AUTHOR = { name: "humops test", email: "test@humops.invalid" } as const;

/** Refuses paths that would leave the work tree. */
function safePath(path: string): string {
  const p = normalize(path);
  if (p.startsWith("..") || p.startsWith("/") || p === "." || p.startsWith(".git/")) {
    throw new RangeError(`path ${JSON.stringify(path)} is outside the work tree`);
  }
  return p;
}

function authOf(auth: GitCredentials | undefined): { onAuth?: () => { username: string; password: string } } {
  return auth ? { onAuth: () => ({ username: auth.user, password: auth.password }) } : {};
}

function repoHandle(dir: string, cleanup: () => Promise<void>): ManifestsRepo {
  return {
    dir,
    async commit(files, message, opts = {}) {
      for (const [path, text] of Object.entries(files)) {
        const p = safePath(path);
        await mkdir(dirname(join(dir, p)), { recursive: true });
        await writeFile(join(dir, p), text);
        await git.add({ fs, dir, filepath: p });
      }
      for (const path of opts.remove ?? []) {
        const p = safePath(path);
        await unlink(join(dir, p));
        await git.remove({ fs, dir, filepath: p });
      }
      return git.commit({ fs, dir, message, author: AUTHOR });
    },
    async push(url, opts = {}) {
      const ref = opts.ref ?? "main";
      const res = await git.push({ fs, http, dir, url, ref, remoteRef: ref, force: opts.force ?? false, ...authOf(opts.auth) });
      if (!res.ok) throw new Error(`push to ${url} failed: ${JSON.stringify(res.refs)}`);
    },
    head: (ref = "HEAD") => git.resolveRef({ fs, dir, ref }),
    cleanup,
  };
}

/**
 * Creates a repository in a new temp dir, on branch `main`, with one commit holding `files`
 * (an empty commit when there are none).
 */
export async function makeRepo(opts: { files?: Readonly<Record<string, string>>; message?: string } = {}): Promise<ManifestsRepo> {
  const tmp = await tempDir("repo");
  try {
    await git.init({ fs, dir: tmp.path, defaultBranch: "main" });
    const repo = repoHandle(tmp.path, tmp.cleanup);
    await repo.commit(opts.files ?? {}, opts.message ?? "initial manifests");
    return repo;
  } catch (e) {
    await tmp.cleanup();
    throw e;
  }
}

/** Clones `url` (branch `ref`, default main) into a new temp dir. */
export async function cloneRepo(url: string, opts: { auth?: GitCredentials; ref?: string } = {}): Promise<ManifestsRepo> {
  const tmp = await tempDir("clone");
  try {
    await git.clone({ fs, http, dir: tmp.path, url, ref: opts.ref ?? "main", singleBranch: true, ...authOf(opts.auth) });
    return repoHandle(tmp.path, tmp.cleanup);
  } catch (e) {
    await tmp.cleanup();
    throw e;
  }
}

/**
 * Fetches `ref` (default main) from `url` into `repo` (as remote `origin`, set to `url`) and
 * returns the fetched sha; the work tree is not touched.
 */
export async function fetchRepo(repo: ManifestsRepo, url: string, opts: { auth?: GitCredentials; ref?: string } = {}): Promise<string> {
  await git.addRemote({ fs, dir: repo.dir, remote: "origin", url, force: true });
  const ref = opts.ref ?? "main";
  const res = await git.fetch({ fs, http, dir: repo.dir, remote: "origin", ref, singleBranch: true, ...authOf(opts.auth) });
  if (!res.fetchHead) throw new Error(`fetch from ${url} returned no FETCH_HEAD`);
  return res.fetchHead;
}
