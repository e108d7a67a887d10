/**
 * resolveRevision against real git (issue #13, CONTRACT.md §6.5): every spelling users type
 * (`main~2`, `HEAD^`, `origin/main`, tags, short shas, chains of `~` and `^`) resolves to the
 * commit `git rev-parse --verify REV^{commit}` names, on loose and on packed repositories; what
 * does not resolve is a GitSourceError that names the revision and says why.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { GitSourceError } from "../../../reconciler/git/errors.js";
import { parseRevision } from "../../../reconciler/git/parse-revision.js";
import { openRepo, resolveRevision } from "../../../reconciler/git/read-revision.js";
import { findExecutable } from "../../helpers/process-control.js";

const ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: tmpdir() };

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: ENV }).trim();
}

/** main: c1-c2-c3-c4-M(c4, f1)-c5, feature: c2-f1; tags v1 (lightweight, c2), v2 (annotated, c3), v3 (annotated, of v2); origin/main at c3. */
function makeHistory(): string {
  findExecutable("git", "apt-get install git");
  const dir = mkdtempSync(join(tmpdir(), `hm-rev-${process.pid}-`));
  gitIn(dir, "init", "-q", "-b", "main");
  const commit = (name: string) => {
    writeFileSync(join(dir, `${name}.yaml`), `${name}: 1\n`);
    gitIn(dir, "add", "-A");
    gitIn(dir, "commit", "-q", "-m", name);
  };
  commit("c1");
  commit("c2");
  gitIn(dir, "tag", "v1");
  gitIn(dir, "branch", "feature");
  commit("c3");
  gitIn(dir, "tag", "-a", "v2", "-m", "release 2");
  gitIn(dir, "tag", "-a", "v3", "-m", "tag of a tag", "v2");
  gitIn(dir, "update-ref", "refs/remotes/origin/main", "HEAD");
  commit("c4");
  gitIn(dir, "checkout", "-q", "feature");
  commit("f1");
  gitIn(dir, "checkout", "-q", "main");
  gitIn(dir, "merge", "-q", "--no-ff", "-m", "merge feature", "feature");
  commit("c5");
  return dir;
}

const SPELLINGS = [
  "HEAD", "main", "@", "main~0", "main^0", "main~2", "HEAD^", "HEAD^^", "HEAD~", "HEAD~~", "HEAD~3", "HEAD~1^2", "HEAD^^2", "HEAD~1^2~1",
  "main~1^1", "origin/main", "origin/main~1", "refs/remotes/origin/main^", "refs/heads/main~4", "heads/main~1", "v1", "tags/v1", "refs/tags/v1~1",
  "v2", "v2~1", "v2^{}", "v2^{commit}", "v3", "v3^", "feature", "feature~2",
];

const Resolve = suite("resolveRevision: git's revision syntax (real git as the oracle)");
let dirs: string[] = [];
Resolve.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

for (const packed of [false, true]) {
  Resolve(`every spelling names the commit git names (${packed ? "packed refs and objects" : "loose refs and objects"})`, async () => {
    const dir = makeHistory();
    dirs.push(dir);
    if (packed) gitIn(dir, "gc", "-q", "--prune=now");
    const repo = openRepo(dir);
    const spellings = [...SPELLINGS];
    const shas = gitIn(dir, "rev-list", "--all").split("\n");
    for (const sha of shas) spellings.push(sha, sha.slice(0, 7), sha.slice(0, 12).toUpperCase(), `${sha.slice(0, 8)}~0`);
    spellings.push(`${gitIn(dir, "rev-parse", "HEAD").slice(0, 7)}~1^2`);
    for (const rev of spellings) {
      const want = gitIn(dir, "rev-parse", "--verify", "--quiet", `${rev}^{commit}`);
      assert.is(await resolveRevision(repo, rev), want, rev);
    }
  });
}

Resolve("what does not resolve is a GitSourceError naming the revision and why", async () => {
  const dir = makeHistory();
  dirs.push(dir);
  const repo = openRepo(dir);
  const cases: Array<[string, RegExp]> = [
    ["no-such-branch", /unknown revision "no-such-branch": no branch, tag, remote branch or commit of that name/],
    ["no-such~1", /unknown revision "no-such~1": no branch, tag, remote branch or commit of that name/],
    ["main~99", /unknown revision "main~99": [0-9a-f]{7} \(main~5\) has no parent/],
    ["HEAD^3", /unknown revision "HEAD\^3": [0-9a-f]{7} \(HEAD\) has no parent 3/],
    ["HEAD~1^3", /unknown revision "HEAD~1\^3": [0-9a-f]{7} \(HEAD~1\) has no parent 3/],
    ["main~x", /unknown revision "main~x": not git's revision syntax/],
    ["main@{1}", /unknown revision "main@\{1\}": reflog and upstream spellings/],
    ["main@{upstream}", /reflog and upstream spellings/],
    ["~1", /not git's revision syntax/],
    ["", /not git's revision syntax/],
    ["main^{tree}", /not git's revision syntax/],
    ["HEAD:c1.yaml", /not git's revision syntax/],
    ["deadbeef", /no branch, tag, remote branch or commit of that name/],
    ["0".repeat(40), /no branch, tag, remote branch or commit of that name/],
  ];
  for (const [rev, message] of cases) {
    try {
      await resolveRevision(repo, rev);
      assert.unreachable(`${rev} resolved`);
    } catch (e) {
      assert.instance(e, GitSourceError, rev);
      assert.match((e as Error).message, message, rev);
    }
  }
  // A blob or tree sha is not a commit.
  const tree = gitIn(dir, "rev-parse", "HEAD^{tree}");
  try {
    await resolveRevision(repo, tree);
    assert.unreachable("a tree resolved");
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`unknown revision "${tree}": a tree, not a commit`));
  }
});

Resolve.run();

const Parse = suite("parseRevision (pure)");

Parse("a name and its ancestry steps", () => {
  assert.equal(parseRevision("main~2"), { name: "main", steps: [{ parent: 1, times: 2 }] });
  assert.equal(parseRevision("HEAD^"), { name: "HEAD", steps: [{ parent: 1, times: 1 }] });
  assert.equal(parseRevision("HEAD^^2~"), { name: "HEAD", steps: [{ parent: 1, times: 1 }, { parent: 2, times: 1 }, { parent: 1, times: 1 }] });
  assert.equal(parseRevision("v2^{}~0^0"), { name: "v2", steps: [{ parent: 1, times: 0 }, { parent: 0, times: 1 }] });
  assert.equal(parseRevision("@~1"), { name: "HEAD", steps: [{ parent: 1, times: 1 }] });
  assert.equal(parseRevision("origin/main"), { name: "origin/main", steps: [] });
  for (const bad of ["", "~", "^1", "main~-1", "main^{tree}", "a b", "a..b", "main:file", "main@{0}", "x@{u}", "a.lock", "-x"]) assert.not.ok("name" in parseRevision(bad), bad);
});

Parse.run();
