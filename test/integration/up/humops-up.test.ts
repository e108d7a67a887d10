// `humops up` as README.md tells a newcomer to run it, on a copy of manifests-example/, inside
// a network namespace made for the test (so the bridges, router netns and NAT rules it creates
// never touch this machine's own networking): everything becomes ready, `humops status` says
// so, a commit is applied at once, and Ctrl-C stops humops and leaves the cluster running.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNoLeaks, createNode, snapshotHost, type NodeHandle } from "../../helpers/netns.js";
import { isAlive } from "../../helpers/process-control.js";
import { routerNetnsName } from "../../../schemas/host-names.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const TSX = import.meta.resolve("tsx");
const up = suite("humops up");

async function waitFor(what: string, check: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function git(dir: string, ...args: string[]): string {
  const r = spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

up("runs manifests-example on this machine: ready, status, a commit applied, Ctrl-C leaves the cluster", async () => {
  const before = await snapshotHost();
  const work = mkdtempSync(join(tmpdir(), "humops-up-"));
  const routerNetns = routerNetnsName("group1", "ns1", "vrouter1");
  let node: NodeHandle | undefined;
  let pid: number | undefined;
  try {
    node = await createNode("up");
    const repo = join(work, "manifests");
    cpSync(join(ROOT, "manifests-example"), repo, { recursive: true });
    let output = "";
    const child = spawn("ip", ["netns", "exec", node.netns, process.execPath, "--import", TSX, join(ROOT, "cmd/humops.ts"), "up", repo], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    pid = child.pid;
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    const log = () => output;
    await waitFor("all resources ready", () => output.includes("all resources ready"), 120_000, log);
    assert.match(output, "made a git repository with an initial commit");
    const natsPid = Number(/nats-server pid (\d+)/.exec(output)?.[1]);
    assert.ok(isAlive(natsPid), "nats-server runs");
    assert.ok(existsSync(join(work, ".humops")), "state under .humops/ of the working directory");

    const status = spawnSync(process.execPath, ["--import", TSX, join(ROOT, "cmd/humops.ts"), "status", "--repo", repo, "--output", "json"], { encoding: "utf8" });
    assert.is(status.status, 0, status.stdout + status.stderr);
    const rows = JSON.parse(status.stdout) as { resources: Array<{ resource?: string; key?: string; ready: boolean }> };
    assert.is(rows.resources.length, 10);
    assert.ok(rows.resources.every((r) => r.ready));

    // A commit is seen at once (the ref watcher) and applied.
    writeFileSync(
      join(repo, "50-network2.yaml"),
      readFileSync(join(repo, "10-network.yaml"), "utf8").split("---").find((d) => d.includes("systemv0/network"))!.replace("id: net1", "id: net2").replace("network1", "network2").replace('"100"', '"101"').replace("10.0.0.0/24", "10.0.1.0/24"),
    );
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "second network");
    const head = git(repo, "rev-parse", "HEAD").trim().slice(0, 12);
    await waitFor("the commit applied", () => output.includes(`all resources ready (manifests ${head})`), 60_000, log);

    child.kill("SIGINT");
    assert.is(await exited, 0, output);
    pid = undefined;
    assert.match(output, "stopping humops (VMs and networks are left as they are)");
    // Issue #11: abort listeners piled up on the agent's and the controller's signals.
    assert.not.match(output, "MaxListenersExceededWarning");
    await waitFor("nats-server stopped", () => !isAlive(natsPid), 10_000, log);
    const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    assert.match(ns, routerNetns, "the router keeps running after Ctrl-C");
  } finally {
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    await node?.cleanup();
    spawnSync("ip", ["netns", "del", routerNetns]);
    rmSync(work, { recursive: true, force: true });
  }
  await assertNoLeaks(before);
});

up.run();
