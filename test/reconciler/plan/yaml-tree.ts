/** Reads every `*.yaml` under a directory (recursively) as ManifestFiles with `/` paths; test helper. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { ManifestFile } from "../../../reconciler/manifest/types.js";

/** The yaml files under `root`, sorted by path. */
export function readYamlTree(root: string): ManifestFile[] {
  const out: ManifestFile[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push({ path: relative(root, p).split(sep).join("/"), text: readFileSync(p, "utf8") });
    }
  };
  walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
