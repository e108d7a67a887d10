import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, readdirSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import git from "isomorphic-git";
import { writeFilesTree } from "../../reconciler/git/tree-io.js";

const ROOT = join(import.meta.dirname, "../..");
const BASE = join(ROOT, "test/fixtures/invalid/_base");
const author = { name: "t", email: "t@example.com", timestamp: 1_700_000_000, timezoneOffset: 0 };

interface Run {
  code: number;
  out: string;
  err: string;
}

function humops(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(ROOT, "cmd/humops.ts"), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } }, (e, out, err) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

async function commitAll(dir: string, message: string): Promise<string> {
  const status = await git.statusMatrix({ fs, dir });
  for (const [file, , work] of status) {
    if (work === 0) await git.remove({ fs, dir, filepath: file });
    else await git.add({ fs, dir, filepath: file });
  }
  return git.commit({ fs, dir, message, author });
}

async function makeRepo(): Promise<{ dir: string; first: string }> {
  const dir = mkdtempSync(join(tmpdir(), `humops-plan-${process.pid}-`));
  await git.init({ fs, dir, defaultBranch: "main" });
  mkdirSync(join(dir, "infra"));
  for (const f of readdirSync(BASE)) writeFileSync(join(dir, "infra", f), readFileSync(join(BASE, f)));
  writeFileSync(join(dir, "README.md"), "not a manifest\n");
  return { dir, first: await commitAll(dir, "initial tree") };
}

const Plan = suite("humops plan (real git repositories, isomorphic-git)");
let dirs: string[] = [];
Plan.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

Plan("from nothing: every resource is created in order; exit 2", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  const r = await humops(["plan", "--repo", dir, "--path", "infra", "--format", "json"]);
  assert.is(r.code, 2, r.err);
  const plan = JSON.parse(r.out);
  assert.is(plan.head, first);
  assert.is(plan.base, null);
  assert.is(plan.summary.create, 13);
  assert.is(plan.changes[0].apiType, "corev0/group");
  assert.is(plan.changes.at(-1).apiType, "systemv0/virtualmachine");
});

Plan("base = the status branch's Manifests-Commit; no change then exits 0", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  const tree = await git.writeTree({ fs, dir, tree: [] });
  await git.commit({ fs, dir, ref: "refs/heads/status", tree, parent: [], author, message: `status\n\nManifests-Commit: ${first}\n` });
  const r = await humops(["plan", "--repo", dir, "--path", "infra"]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, "No changes.");
  assert.match(r.out, "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete.");
});

Plan("--observed <status ref>: the status files are the applied state", async () => {
  const { dir } = await makeRepo();
  dirs.push(dir);
  const files = new Map([
    ["README.md", "status\n"],
    ["cluster/group/g1.yaml", "apiType: corev0/group\nid: g1\nsource:\n  path: 00-group.yaml\n  commit: abc\nstate: Active\nready: true\n"],
    ["groups/g1/namespaces/ns1/virtualmachine/old.yaml", "apiType: systemv0/virtualmachine\nid: old\ngroup: g1\nnamespace: ns1\nsource:\n  path: old.yaml\nstate: Running\nnode: n1\nready: true\n"],
  ]);
  const tree = await writeFilesTree(join(dir, ".git"), files);
  await git.commit({ fs, dir, ref: "refs/heads/status", tree, parent: [], author, message: "status\n" });
  const r = await humops(["plan", "--repo", dir, "--path", "infra", "--observed", "status", "--format", "json"]);
  assert.is(r.code, 2, r.err);
  const plan = JSON.parse(r.out);
  assert.is(plan.summary.create, 12, "g1 is applied already");
  assert.equal(plan.changes.filter((c: { action: string }) => c.action === "delete").map((c: { id: string; node: string }) => [c.id, c.node]), [["old", "n1"]]);
});

Plan("a commit that breaks the VM's YAML plans no delete for it and exits 1", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  writeFileSync(join(dir, "infra/09-vm.yaml"), "meta:\n  apiType: systemv0/virtualmachine\n  id: vm1\n  spec: [unclosed\n");
  await commitAll(dir, "break the vm");
  const r = await humops(["plan", "--repo", dir, "--path", "infra", "--base", first, "--format", "json"]);
  assert.is(r.code, 1, r.err);
  const plan = JSON.parse(r.out);
  assert.is(plan.valid, false);
  assert.ok(plan.errors.some((e: { file: string }) => e.file === "09-vm.yaml"));
  assert.equal(plan.changes.filter((c: { action: string }) => c.action === "delete" || c.action === "replace"), []);
  const held = plan.blocked.find((b: { id: string }) => b.id === "vm1");
  assert.is(held?.reason, "InvalidManifest");
});

Plan("deleting 60% of the resources is blocked without the trailer and allowed with it", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  for (const f of ["03-eip.yaml", "05-router.yaml", "06-disk.yaml", "07-image.yaml", "08-disk-base.yaml", "09-vm.yaml"]) unlinkSync(join(dir, "infra", f));
  const plain = await commitAll(dir, "remove the compute side");
  const blocked = await humops(["plan", "--repo", dir, "--path", "infra", "--base", first, "--format", "json"]);
  assert.is(blocked.code, 1);
  const p1 = JSON.parse(blocked.out);
  assert.is(p1.summary.delete, 0);
  assert.is(p1.blocked.length, 8, "8 of 13 resources (62%)");
  assert.ok(p1.blocked.every((b: { reason: string }) => b.reason === "MassDeletion"));
  writeFileSync(join(dir, "infra/.keep.yaml"), "");
  const allowed = await commitAll(dir, "remove the compute side\n\nHumops-Allow-Mass-Delete: yes\n");
  const r = await humops(["plan", "--repo", dir, "--path", "infra", "--base", first, "--head", allowed, "--format", "text"]);
  assert.is(r.code, 2, r.err);
  assert.match(r.out, "Plan: 0 to create, 0 to update, 0 to replace, 8 to delete.");
  assert.ok(r.out.indexOf("- systemv0/virtualmachine g1/ns1/vm1") < r.out.indexOf("- systemv0/blockstorage g1/ns1/bs2"), "the VM goes before its disk");
  assert.not.match(r.out, "\x1b[", "no colours with NO_COLOR");
  const again = await humops(["plan", "--repo", dir, "--path", "infra", "--base", first, "--head", plain.slice(0, 10)]);
  assert.is(again.code, 1, "an abbreviated sha resolves, and the guard holds again");
});

Plan("--observed JSON file, markdown output, WORKTREE head", async () => {
  const { dir } = await makeRepo();
  dirs.push(dir);
  const observed = join(dir, "observed.json");
  writeFileSync(observed, JSON.stringify([{ apiType: "corev0/group", id: "g1", state: "Active", spec: {} }, { apiType: "corev0/group", id: "old", state: "Active", source: { file: "gone.yaml" } }]));
  writeFileSync(join(dir, "infra/02-pool.yaml"), readFileSync(join(BASE, "02-pool.yaml"), "utf8").replace("exbr0", "exbr9"));
  const r = await humops(["plan", "--repo", dir, "--path", "infra", "--observed", observed, "--head", "WORKTREE", "--format", "markdown"]);
  assert.is(r.code, 2, r.err);
  assert.match(r.out, "### humops plan for `WORKTREE`");
  assert.match(r.out, "| create | update | replace | delete | blocked |");
  assert.match(r.out, "#### :warning: Destructive changes (1)");
  assert.match(r.out, "**delete** corev0/group old");
  assert.match(r.out, "<details><summary>Ordered steps");
});

function planPr(cwd: string, env: Record<string, string>): Promise<Run> {
  const humopsCmd = `${process.execPath} --import ${join(ROOT, "node_modules/tsx/dist/loader.mjs")} ${join(ROOT, "cmd/humops.ts")}`;
  return new Promise((resolve) => {
    execFile("sh", [join(ROOT, "manifests-example/ci/plan-pr.sh")], { cwd, env: { ...process.env, NO_COLOR: "1", HUMOPS: humopsCmd, PLAN_PATH: "infra", ...env } }, (e, out, err) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

Plan("manifests-example/ci/plan-pr.sh: passes with changes, fails on an invalid tree", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  writeFileSync(join(dir, "infra/02-pool.yaml"), readFileSync(join(BASE, "02-pool.yaml"), "utf8").replace("exbr0", "exbr1"));
  await commitAll(dir, "rename the external bridge");
  const ok = await planPr(dir, { PLAN_BASE: first });
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, "### humops plan for");
  assert.match(ok.out, "**replace** corev0/externalippool pool1");
  assert.match(readFileSync(join(dir, "humops-plan.md"), "utf8"), "<details>");
  writeFileSync(join(dir, "infra/09-vm.yaml"), "meta: [broken\n");
  await commitAll(dir, "break the vm");
  const bad = await planPr(dir, { PLAN_BASE: first });
  assert.is(bad.code, 1);
  assert.match(bad.out, "#### :x: Errors");
});

Plan("--base/--head/--observed take what git takes: main~2, HEAD^, tags, origin/main, chains (issue #13)", async () => {
  const { dir, first } = await makeRepo();
  dirs.push(dir);
  writeFileSync(join(dir, "infra/02-pool.yaml"), readFileSync(join(BASE, "02-pool.yaml"), "utf8").replace("exbr0", "exbr1"));
  const second = await commitAll(dir, "rename the external bridge");
  await git.tag({ fs, dir, ref: "v1", object: first });
  await git.annotatedTag({ fs, dir, ref: "v2", object: second, message: "release 2", tagger: author });
  writeFileSync(join(dir, "README.md"), "still not a manifest\n");
  const third = await commitAll(dir, "readme");
  await git.writeRef({ fs, dir, ref: "refs/remotes/origin/main", value: second });
  const json = async (...args: string[]) => {
    const r = await humops(["plan", "--repo", dir, "--path", "infra", "--format", "json", ...args]);
    assert.ok(r.code === 0 || r.code === 2, `${args.join(" ")}: exit ${r.code} ${r.err}`);
    return JSON.parse(r.out) as { base: string | null; head: string; summary: { replace: number } };
  };
  const p1 = await json("--base", "main~2");
  assert.equal([p1.base, p1.head, p1.summary.replace], [first, third, 1]);
  const p2 = await json("--base", "HEAD~2", "--head", "HEAD^");
  assert.equal([p2.base, p2.head], [first, second]);
  const p3 = await json("--base", "v1", "--head", "v2");
  assert.equal([p3.base, p3.head], [first, second]);
  const p4 = await json("--base", "origin/main^", "--head", "origin/main");
  assert.equal([p4.base, p4.head], [first, second]);
  const p5 = await json("--base", `${third.slice(0, 7)}~1^`, "--head", "v2^{}");
  assert.equal([p5.base, p5.head], [first, second]);
  // --observed takes a revision of the status branch too: status^ is the one before the last.
  const files = (id: string) => new Map([["groups/g1/namespaces/ns1/virtualmachine/vm1.yaml", `apiType: systemv0/virtualmachine\nid: ${id}\ngroup: g1\nnamespace: ns1\nsource:\n  path: x.yaml\nstate: Running\nnode: n1\nready: true\n`]]);
  const s1 = await git.commit({ fs, dir, ref: "refs/heads/status", tree: await writeFilesTree(join(dir, ".git"), files("old1")), parent: [], author, message: "status 1\n" });
  await git.commit({ fs, dir, ref: "refs/heads/status", tree: await writeFilesTree(join(dir, ".git"), files("old2")), parent: [s1], author, message: "status 2\n" });
  const deletes = async (rev: string) => {
    const r = await humops(["plan", "--repo", dir, "--path", "infra", "--format", "json", "--observed", rev]);
    return (JSON.parse(r.out) as { changes: Array<{ action: string; id: string }> }).changes.filter((c) => c.action === "delete").map((c) => c.id);
  };
  assert.equal(await deletes("status^"), ["old1"]);
  assert.equal(await deletes("status~0"), ["old2"]);
});

Plan("a revision that does not resolve: exit 1, and the error says why", async () => {
  const { dir } = await makeRepo();
  dirs.push(dir);
  const r = await humops(["plan", "--repo", dir, "--base", "main~5"]);
  assert.is(r.code, 1);
  assert.match(r.err, /unknown revision "main~5": [0-9a-f]{7} \(main\) has no parent/);
  const s = await humops(["plan", "--repo", dir, "--head", "main@{1}"]);
  assert.is(s.code, 1);
  assert.match(s.err, "reflog and upstream spellings");
});

Plan("an unknown revision is an error: exit 1 with a message", async () => {
  const { dir } = await makeRepo();
  dirs.push(dir);
  const r = await humops(["plan", "--repo", dir, "--base", "no-such-branch"]);
  assert.is(r.code, 1);
  assert.match(r.err, "unknown revision");
});

Plan.run();
