import { join } from "node:path";
import * as fs from "node:fs";
import git from "isomorphic-git";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { watchBranchRefs } from "../../../reconciler/watch/chokidar-watcher.js";
import { makeRepo } from "../../helpers/manifests-repo.js";

const w = suite("watchBranchRefs");

const until = async (pred: () => boolean, ms = 5000): Promise<boolean> => {
  const t0 = Date.now();
  while (!pred() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
  return pred();
};

w("a commit on the branch fires; a write to another branch (status) does not", async () => {
  const repo = await makeRepo({ files: { "a.yaml": "a: 1\n" } });
  let fired = 0;
  const stop = await watchBranchRefs({ gitdir: join(repo.dir, ".git"), branch: "main", onChange: () => fired++ });
  try {
    const head = await repo.head();
    await git.writeRef({ fs, gitdir: join(repo.dir, ".git"), ref: "refs/heads/status", value: head, force: true });
    await new Promise((r) => setTimeout(r, 300));
    assert.is(fired, 0, "status branch write ignored");
    await repo.commit({ "b.yaml": "b: 1\n" }, "b");
    assert.ok(await until(() => fired > 0), "commit seen");
  } finally {
    await stop();
    await repo.cleanup();
  }
});

w.run();
