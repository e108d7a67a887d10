import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import { existsSync } from "node:fs";
import git from "isomorphic-git";
import { makeRepo, tempDir } from "../helpers/manifests-repo.js";
import { testTag } from "../helpers/test-tag.js";

const repos = suite("manifests repo helper");

repos("makeRepo commits the files on main; commit adds, changes and removes", async () => {
  const repo = await makeRepo({ files: { "a.yaml": "a: 1\n", "dir/b.yaml": "b: 1\n" }, message: "first" });
  try {
    const first = await repo.head();
    assert.is(await repo.head("main"), first);
    const second = await repo.commit({ "a.yaml": "a: 2\n" }, "second", { remove: ["dir/b.yaml"] });
    const log = await git.log({ fs, dir: repo.dir });
    assert.equal(log.map((c) => c.commit.message.trim()), ["second", "first"]);
    assert.is(log[0]?.oid, second);
    assert.equal(await git.listFiles({ fs, dir: repo.dir, ref: first }), ["a.yaml", "dir/b.yaml"]);
    assert.equal(await git.listFiles({ fs, dir: repo.dir, ref: second }), ["a.yaml"]);
    const blob = await git.readBlob({ fs, dir: repo.dir, oid: second, filepath: "a.yaml" });
    assert.is(Buffer.from(blob.blob).toString(), "a: 2\n");
  } finally {
    await repo.cleanup();
  }
  assert.not.ok(existsSync(repo.dir));
});

repos("paths outside the work tree are refused", async () => {
  const repo = await makeRepo();
  try {
    for (const bad of ["../x.yaml", "/etc/x", ".git/config"]) {
      try {
        await repo.commit({ [bad]: "x" }, "bad");
        assert.unreachable(bad);
      } catch (e) {
        assert.instance(e, RangeError);
      }
    }
  } finally {
    await repo.cleanup();
  }
});

repos("tempDir carries the test tag and cleanup removes it", async () => {
  const t = await tempDir("x");
  assert.ok(t.path.includes(`humops-x-${testTag()}-`));
  fs.writeFileSync(`${t.path}/f`, "f");
  await t.cleanup();
  assert.not.ok(existsSync(t.path));
});

repos.run();
