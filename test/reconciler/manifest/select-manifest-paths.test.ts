import { suite } from "uvu";
import * as assert from "uvu/assert";
import { isDotPath, selectManifestPaths } from "../../../reconciler/manifest/select-manifest-paths.js";

const select = suite("selectManifestPaths");

select("keeps *.yaml and *.yml, sorted, and drops other extensions", () => {
  const got = selectManifestPaths(["b.yml", "a.yaml", "README.md", "c.json", "d.yaml.bak", "sub/e.yaml"]);
  assert.equal(got, ["a.yaml", "b.yml", "sub/e.yaml"]);
});

select("drops any path with a segment starting with a dot", () => {
  const got = selectManifestPaths([".hidden.yaml", ".git/config.yaml", "a/.b/c.yaml", "a/.c.yml", "ok/x.yaml"]);
  assert.equal(got, ["ok/x.yaml"]);
});

select("applies .humopsignore in gitignore syntax, including negation and directories", () => {
  const ignore = "# comment\ndrafts/\n*.tmp.yaml\n!keep.tmp.yaml\n/root-only.yaml\n";
  const got = selectManifestPaths(
    ["drafts/a.yaml", "x/drafts/b.yaml", "c.tmp.yaml", "keep.tmp.yaml", "root-only.yaml", "sub/root-only.yaml", "z.yaml"],
    ignore,
  );
  assert.equal(got, ["keep.tmp.yaml", "sub/root-only.yaml", "z.yaml"]);
});

select("an empty ignore text ignores nothing; a leading ./ is dropped", () => {
  assert.equal(selectManifestPaths(["./a.yaml", "b.yaml"], "  \n"), ["a.yaml", "b.yaml"]);
});

select("isDotPath looks at every segment", () => {
  assert.ok(isDotPath(".a"));
  assert.ok(isDotPath("x/.a/b"));
  assert.not.ok(isDotPath("x/a.b/c.yaml"));
});

select.run();
