/**
 * Which files of a tree are manifests (CONTRACT.md §1). Pure: the caller lists the paths.
 */
import ignore from "ignore";

/** The ignore file's name; it is read at the manifests root only. */
export const IGNORE_FILE = ".humopsignore";

const MANIFEST_EXT = /\.ya?ml$/;

/** True when a segment of `path` starts with `.` (`.git/x.yaml`, `a/.hidden.yaml`). */
export function isDotPath(path: string): boolean {
  return path.startsWith(".") || path.includes("/.");
}

/**
 * Builds the `.humopsignore` matcher: gitignore syntax, paths relative to the manifests root.
 * Returns a predicate; with no ignore text, nothing is ignored.
 */
export function makeIgnoreMatcher(humopsignoreText?: string): (path: string) => boolean {
  if (humopsignoreText === undefined || humopsignoreText.trim() === "") return () => false;
  const matcher = ignore().add(humopsignoreText);
  return (path) => matcher.ignores(path);
}

/**
 * Selects the manifest files among `paths` (relative to the manifests root, `/` separators):
 * `*.yaml` and `*.yml`, minus paths with a segment starting with `.`, minus what
 * `.humopsignore` (gitignore syntax) matches. Returns them sorted, so loading is deterministic.
 */
export function selectManifestPaths(paths: readonly string[], humopsignoreText?: string): string[] {
  const isIgnored = makeIgnoreMatcher(humopsignoreText);
  return paths
    .map((p) => (p.startsWith("./") ? p.slice(2) : p))
    .filter((p) => MANIFEST_EXT.test(p) && !isDotPath(p) && !isIgnored(p))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
