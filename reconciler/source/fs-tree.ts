/**
 * File-system adapter: reads a manifests tree from a directory into ManifestFiles. The only
 * module of the manifest path that touches node:fs. Dot-paths are skipped before they are
 * walked, `.humopsignore` (at the root) prunes directories early, and symlinks are followed
 * only when their target stays inside the root (a symlinked directory is read under both of
 * its paths, like git would store two copies; a symlink loop is not entered again).
 */
import { lstat, readFile, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { LOAD_LIMITS } from "../manifest/codes.js";
import { IGNORE_FILE, makeIgnoreMatcher, selectManifestPaths } from "../manifest/select-manifest-paths.js";
import type { ManifestFile } from "../manifest/types.js";
import { ManifestTreeError } from "./errors.js";

/** How many files are read at once. */
const READ_CONCURRENCY = 32;

interface WalkState {
  readonly rootReal: string;
  readonly isIgnored: (path: string) => boolean;
  readonly files: string[];
}

function isInside(rootReal: string, target: string): boolean {
  return target === rootReal || target.startsWith(rootReal + sep);
}

async function resolveEntry(st: WalkState, abs: string): Promise<"dir" | "file" | undefined> {
  const l = await lstat(abs);
  if (!l.isSymbolicLink()) return l.isDirectory() ? "dir" : l.isFile() ? "file" : undefined;
  const target = await realpath(abs).catch(() => undefined);
  if (target === undefined || !isInside(st.rootReal, target)) return undefined; // dangling or leaves the root
  const s = await stat(target);
  return s.isDirectory() ? "dir" : s.isFile() ? "file" : undefined;
}

/** Walks one directory; `ancestors` (real paths) stops symlink loops. */
async function walk(st: WalkState, dir: { abs: string; rel: string }, ancestors: ReadonlySet<string>): Promise<void> {
  const real = await realpath(dir.abs);
  if (ancestors.has(real)) return;
  const inner = new Set(ancestors).add(real);
  for (const name of (await readdir(dir.abs)).sort()) {
    if (name.startsWith(".")) continue;
    const rel = dir.rel === "" ? name : `${dir.rel}/${name}`;
    const abs = join(dir.abs, name);
    const kind = await resolveEntry(st, abs);
    if (kind === "dir" && !st.isIgnored(`${rel}/`)) await walk(st, { abs, rel }, inner);
    else if (kind === "file") st.files.push(rel);
  }
}

async function readOne(root: string, path: string): Promise<ManifestFile> {
  const abs = join(root, ...path.split("/"));
  const { size } = await stat(abs);
  // A file over the limit is not read: the loader reports its size.
  if (size > LOAD_LIMITS.maxFileBytes) return { path, text: "", sizeBytes: size };
  return { path, text: await readFile(abs, "utf8") };
}

async function readIgnoreFile(root: string): Promise<string | undefined> {
  try {
    return await readFile(join(root, IGNORE_FILE), "utf8");
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Reads the manifest files under `root` (CONTRACT.md §1 selection), sorted by path.
 * Throws ManifestTreeError (code `MANIFEST_TREE_UNREADABLE`) when the root or a file cannot be
 * read; the caller reports it and treats the tree as not loaded (never as empty).
 */
export async function readManifestTree(root: string): Promise<ManifestFile[]> {
  try {
    const ignoreText = await readIgnoreFile(root);
    const st: WalkState = { rootReal: await realpath(root), isIgnored: makeIgnoreMatcher(ignoreText), files: [] };
    await walk(st, { abs: root, rel: "" }, new Set());
    const paths = selectManifestPaths(st.files, ignoreText);
    const out: ManifestFile[] = [];
    for (let i = 0; i < paths.length; i += READ_CONCURRENCY) {
      out.push(...(await Promise.all(paths.slice(i, i + READ_CONCURRENCY).map((p) => readOne(root, p)))));
    }
    return out;
  } catch (e: unknown) {
    throw new ManifestTreeError(root, { cause: e });
  }
}

/**
 * Reads manifests from `path`: the tree under it when it is a directory, or that one file
 * (named by its base name, whatever its extension) when it is a file. Same errors as readManifestTree.
 */
export async function readManifestPath(path: string): Promise<ManifestFile[]> {
  const s = await stat(path).catch((e: unknown) => {
    throw new ManifestTreeError(path, { cause: e });
  });
  if (s.isDirectory()) return readManifestTree(path);
  try {
    return [await readOne(dirname(path), basename(path))];
  } catch (e: unknown) {
    throw new ManifestTreeError(path, { cause: e });
  }
}
