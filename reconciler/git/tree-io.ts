/**
 * Reads and writes whole trees of text files as git objects with isomorphic-git, without a
 * work tree: the status branch is built from blobs and trees and never checked out.
 */
import * as fs from "node:fs";
import git from "isomorphic-git";

type Dir = { files: Map<string, string>; dirs: Map<string, Dir> };

function toDirs(files: ReadonlyMap<string, string>): Dir {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [path, content] of files) {
    const parts = path.split("/");
    let d = root;
    for (const p of parts.slice(0, -1)) {
      let next = d.dirs.get(p);
      if (next === undefined) d.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
      d = next;
    }
    d.files.set(parts.at(-1)!, content);
  }
  return root;
}

async function writeDir(gitdir: string, d: Dir): Promise<string> {
  const tree: { mode: string; path: string; oid: string; type: "blob" | "tree" }[] = [];
  for (const [name, content] of d.files) {
    const oid = await git.writeBlob({ fs, gitdir, blob: Buffer.from(content, "utf8") });
    tree.push({ mode: "100644", path: name, oid, type: "blob" });
  }
  for (const [name, sub] of d.dirs) tree.push({ mode: "040000", path: name, oid: await writeDir(gitdir, sub), type: "tree" });
  return git.writeTree({ fs, gitdir, tree });
}

/** Writes `files` (path -> text) as a tree and returns its oid. */
export async function writeFilesTree(gitdir: string, files: ReadonlyMap<string, string>): Promise<string> {
  return writeDir(gitdir, toDirs(files));
}

/** Reads every blob of the tree of `commit` as text (path -> content). */
export async function readFilesTree(gitdir: string, commit: string, cache: object = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (oid: string, base: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid, cache });
    for (const e of tree) {
      const path = base ? `${base}/${e.path}` : e.path;
      if (e.type === "tree") await walk(e.oid, path);
      else if (e.type === "blob") out.set(path, Buffer.from((await git.readBlob({ fs, gitdir, oid: e.oid, cache })).blob).toString("utf8"));
    }
  };
  await walk(commit, "");
  return out;
}
