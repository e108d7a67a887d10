import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readManifestPath, readManifestTree } from "../../../reconciler/source/fs-tree.js";
import { ManifestTreeError } from "../../../reconciler/source/errors.js";

const tree = suite("readManifestTree", { dir: "", root: "", outside: "" });

function put(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
}

tree.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), `humops-fstree-${process.pid}-`));
  ctx.root = join(ctx.dir, "root");
  ctx.outside = join(ctx.dir, "outside");
  put(ctx.outside, "secret.yaml", "outside: true\n");
  put(ctx.root, "a.yaml", "a: 1\n");
  put(ctx.root, "sub/b.yml", "b: 1\n");
  put(ctx.root, "sub/readme.md", "# not a manifest\n");
  put(ctx.root, ".git/c.yaml", "c: 1\n");
  put(ctx.root, "sub/.hidden/d.yaml", "d: 1\n");
  put(ctx.root, "drafts/e.yaml", "e: 1\n");
  put(ctx.root, "f.tmp.yaml", "f: 1\n");
  put(ctx.root, ".humopsignore", "drafts/\n*.tmp.yaml\n");
  symlinkSync(join(ctx.root, "sub"), join(ctx.root, "linked-sub"));
  symlinkSync(join(ctx.outside, "secret.yaml"), join(ctx.root, "escape.yaml"));
  symlinkSync(ctx.outside, join(ctx.root, "escape-dir"));
  symlinkSync(ctx.root, join(ctx.root, "sub", "loop"));
  symlinkSync(join(ctx.root, "missing.yaml"), join(ctx.root, "dangling.yaml"));
});
tree.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

tree("selects manifests, skips dot-paths and ignored paths, never leaves the root", async (ctx) => {
  const files = await readManifestTree(ctx.root);
  assert.equal(files.map((f) => f.path), ["a.yaml", "linked-sub/b.yml", "sub/b.yml"]);
  assert.is(files[0]!.text, "a: 1\n");
});

tree("does not read a file over the size limit, but reports its size", async (ctx) => {
  const big = join(ctx.dir, "big");
  put(big, "huge.yaml", "#".repeat(4 * 1024 * 1024 + 1));
  const [file] = await readManifestTree(big);
  assert.equal([file!.path, file!.text, file!.sizeBytes], ["huge.yaml", "", 4 * 1024 * 1024 + 1]);
});

tree("a missing root is a ManifestTreeError with a code, not an empty tree", async (ctx) => {
  try {
    await readManifestTree(join(ctx.dir, "nope"));
    assert.unreachable("must throw");
  } catch (e: unknown) {
    assert.instance(e, ManifestTreeError);
    assert.is((e as ManifestTreeError).code, "MANIFEST_TREE_UNREADABLE");
  }
});

tree("readManifestPath reads one named file, or a whole directory", async (ctx) => {
  const one = await readManifestPath(join(ctx.root, "sub", "b.yml"));
  assert.equal(one.map((f) => [f.path, f.text]), [["b.yml", "b: 1\n"]]);
  assert.is((await readManifestPath(ctx.root)).length, 3);
});

tree.run();
