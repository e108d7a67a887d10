/**
 * Adapter from a fetched tree (path -> text) to the manifest loader: selects the manifest
 * files (`*.yaml`/`*.yml`, no dot paths, `.humopsignore`) and loads them through a parse cache
 * keyed by content, so a new commit only re-parses the files it changed.
 */
import { createHash } from "node:crypto";
import { loadManifests } from "../manifest/load-manifests.js";
import { ParseCache } from "../manifest/parse-cache.js";
import { IGNORE_FILE, selectManifestPaths } from "../manifest/select-manifest-paths.js";
import type { LoadResult } from "../manifest/types.js";
import type { TreeFiles } from "../git/git-source.js";

/** A loader with its own parse cache, for the controller's `load` dependency. */
export function makeTreeLoader(): (files: TreeFiles) => LoadResult {
  const cache = new ParseCache();
  return (files) => {
    const paths = selectManifestPaths([...files.keys()], files.get(IGNORE_FILE));
    const manifestFiles = paths.map((path) => {
      const text = files.get(path) ?? "";
      return { path, text, blobId: createHash("sha1").update(text).digest("hex") };
    });
    const result = loadManifests(manifestFiles, { cache });
    cache.retain(manifestFiles);
    return result;
  };
}
