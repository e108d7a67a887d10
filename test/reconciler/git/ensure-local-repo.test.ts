import * as fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ensureLocalRepo } from "../../../reconciler/git/ensure-local-repo.js";
import { tempDir } from "../../helpers/manifests-repo.js";

const e = suite("ensureLocalRepo");

e("makes a directory a repository with one commit of every file, once", async () => {
  const d = await tempDir("ensure");
  try {
    fs.mkdirSync(join(d.path, "sub"));
    fs.writeFileSync(join(d.path, "a.yaml"), "a: 1\n");
    fs.writeFileSync(join(d.path, "sub", "b.yaml"), "b: 1\n");
    assert.is(await ensureLocalRepo(d.path), true);
    assert.is(await ensureLocalRepo(d.path), false);
    const log = await git.log({ fs, dir: d.path, ref: "main" });
    assert.is(log.length, 1);
    assert.equal((await git.listFiles({ fs, dir: d.path, ref: "main" })).sort(), ["a.yaml", "sub/b.yaml"]);
  } finally {
    await d.cleanup();
  }
});

e.run();
