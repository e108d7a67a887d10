import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { IsoGitSource } from "../../../reconciler/git/iso-git-source.js";
import { IsoGitStatusWriter } from "../../../reconciler/git/iso-git-status-writer.js";
import { GitSourceError } from "../../../reconciler/git/errors.js";
import { startGitServer } from "../../helpers/git-server.js";
import { cloneRepo, makeRepo, tempDir } from "../../helpers/manifests-repo.js";

const local = suite("IsoGitSource + IsoGitStatusWriter on a local repository");

local("fetch sees new commits, readTree reads the manifests path only", async () => {
  const repo = await makeRepo({ files: { "m/a.yaml": "a: 1\n", "m/sub/b.yml": "b: 2\n", "README.md": "x" } });
  const work = await tempDir("src");
  try {
    const src = new IsoGitSource({ repo: repo.dir, branch: "main", path: "m", workDir: work.path });
    const f1 = await src.fetch();
    assert.is(f1.commit, await repo.head());
    assert.is(f1.changed, true);
    assert.is((await src.fetch()).changed, false);
    assert.equal([...(await src.readTree(f1.commit)).entries()], [["a.yaml", "a: 1\n"], ["sub/b.yml", "b: 2\n"]]);
    const c2 = await repo.commit({ "m/a.yaml": "a: 3\n" }, "change a");
    const f2 = await src.fetch();
    assert.equal(f2, { commit: c2, changed: true });
    assert.is((await src.readTree(c2)).get("a.yaml"), "a: 3\n");
    assert.is(await src.commitMessage(c2), "change a\n");
  } finally {
    await repo.cleanup();
    await work.cleanup();
  }
});

local("status branch: committed without touching the work tree; no commit when unchanged", async () => {
  const repo = await makeRepo({ files: { "a.yaml": "a: 1\n" } });
  const work = await tempDir("st");
  try {
    const w = new IsoGitStatusWriter({ repo: repo.dir, branch: "status", workDir: work.path });
    assert.is(await w.read(), undefined);
    const files = new Map([["README.md", "# s\n"], ["cluster/group/g1.yaml", "id: g1\n"]]);
    const r1 = await w.write(files, "status\n\nManifests-Commit: abc\n");
    assert.is(r1.changed, true);
    assert.is(await repo.head("refs/heads/status"), r1.commit);
    assert.is(await repo.head("HEAD"), await repo.head("refs/heads/main"), "HEAD stays on main");
    assert.equal(readdirSync(repo.dir).sort(), [".git", "a.yaml"], "work tree untouched");
    const r2 = await w.write(new Map(files), "again");
    assert.equal(r2, { changed: false, commit: r1.commit });
    const snap = await w.read();
    assert.equal([...snap!.files.entries()], [...files.entries()].sort());
    const log = execFileSync("git", ["-C", repo.dir, "log", "--format=%s", "status"], { encoding: "utf8" });
    assert.is(log.trim().split("\n").length, 1);
  } finally {
    await repo.cleanup();
    await work.cleanup();
  }
});

local("a missing branch is a GitSourceError", async () => {
  const repo = await makeRepo();
  const work = await tempDir("src");
  try {
    const src = new IsoGitSource({ repo: repo.dir, branch: "nope", workDir: work.path });
    try {
      await src.fetch();
      assert.unreachable();
    } catch (e) {
      assert.instance(e, GitSourceError);
      assert.is((e as GitSourceError).code, "GIT_SOURCE");
    }
  } finally {
    await repo.cleanup();
    await work.cleanup();
  }
});

local.run();

const remote = suite("IsoGitSource + IsoGitStatusWriter against git http-backend");

remote("clone once, fetch, basic auth; status pushed and re-applied after a non-fast-forward", async () => {
  const server = await startGitServer({ auth: { user: "bot", password: "s3cret" } });
  const auth = { user: "bot", password: "s3cret" };
  server.createBareRepo("m");
  const repo = await makeRepo({ files: { "a.yaml": "a: 1\n" } });
  const work = await tempDir("remote");
  try {
    await repo.push(server.url("m"), { auth });
    const src = new IsoGitSource({ repo: server.url("m"), branch: "main", workDir: work.path, auth: { username: "bot", password: "s3cret" } });
    const f1 = await src.fetch();
    assert.is(f1.commit, await repo.head());
    const c2 = await repo.commit({ "b.yaml": "b: 1\n" }, "b");
    await repo.push(server.url("m"), { auth });
    assert.equal(await src.fetch(), { commit: c2, changed: true });
    assert.equal([...(await src.readTree(c2)).keys()], ["a.yaml", "b.yaml"]);

    const bad = new IsoGitSource({ repo: server.url("m"), branch: "main", workDir: join(work.path, "bad"), auth: { username: "bot", password: "wrong" } });
    await bad.fetch().then(() => assert.unreachable(), (e: unknown) => assert.instance(e, GitSourceError));

    const w = new IsoGitStatusWriter({ repo: server.url("m"), branch: "status", workDir: work.path, auth: { username: "bot", password: "s3cret" } });
    const s1 = await w.write(new Map([["README.md", "one\n"]]), "s1");
    assert.is(s1.changed, true);
    // Someone else moves the status branch: the writer must re-apply on top, not fail.
    const other = await cloneRepo(server.url("m"), { auth, ref: "status" });
    await other.commit({ "x.txt": "x" }, "foreign");
    await other.push(server.url("m"), { auth, ref: "status" });
    const foreign = await other.head();
    await other.cleanup();
    const s2 = await w.write(new Map([["README.md", "two\n"]]), "s2");
    assert.is(s2.changed, true);
    const check = await cloneRepo(server.url("m"), { auth, ref: "status" });
    assert.is(await check.head(), s2.commit);
    const parents = execFileSync("git", ["-C", check.dir, "log", "--format=%P", "-1"], { encoding: "utf8" }).trim();
    assert.is(parents, foreign);
    await check.cleanup();
    assert.equal(await w.write(new Map([["README.md", "two\n"]]), "s3"), { changed: false, commit: s2.commit });
  } finally {
    await repo.cleanup();
    await work.cleanup();
    await server.stop();
  }
});

remote.run();
