/**
 * The controller service on a local repository (ref watcher, status branch in the same repo)
 * with a MemoryBus agent, and `humops status` read from the outside: exit codes and JSON.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { startControllerService } from "../../../reconciler/controller/service.js";
import type { RoundReport } from "../../../reconciler/controller/reconcile-round.js";
import { makeRepo, tempDir } from "../../helpers/manifests-repo.js";
import { FakeAgent } from "../../reconciler/controller/fake-agent.js";
import { captureLog, exampleFiles } from "../../reconciler/controller/harness.js";

const cli = suite("local repository: watcher, status branch, humops status");
const root = new URL("../../../", import.meta.url).pathname;

function humopsStatus(repo: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cmd/humops.ts"), "status", "--repo", repo, ...args], { encoding: "utf8", cwd: root });
  return { code: r.status, out: r.stdout + r.stderr };
}

async function until(pred: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

cli("a local commit is seen at once; status exits 0 when ready, 3 when not; credentials stay out of the log", async () => {
  const repo = await makeRepo({ files: exampleFiles() });
  const work = await tempDir("cli");
  const bus = new MemoryBus();
  const agent = await new FakeAgent(bus.connectAgent(), "node1").start();
  const { log, lines } = captureLog();
  process.env["HUMOPS_GIT_TOKEN"] = "tok-SECRET-123";
  const service = await startControllerService({ repo: repo.dir, branch: "main", path: ".", statusBranch: "status", workDir: work.path, bus, pollIntervalMs: 0, log });
  const reports: RoundReport[] = [];
  service.onRound((r) => reports.push(r));
  try {
    assert.is(humopsStatus(repo.dir).code, 3, "no status branch yet");
    await until(() => reports.at(-1)?.notReady === 0);
    const ok = humopsStatus(repo.dir);
    assert.is(ok.code, 0, ok.out);
    assert.match(ok.out, /systemv0\/virtualmachine group1\/ns1\/vm1\s+Stopped\s+node1\s+yes/);
    agent.failing = { match: /virtualmachine/, reason: "CommandFailed" };
    const head = await repo.commit({ "40-vm.yaml": exampleFiles()["40-vm.yaml"]!.replace("actionState: PowerOff", "actionState: PowerOn") }, "power on");
    await until(() => reports.some((r) => r.commit === head && r.statusChanged));
    const bad = humopsStatus(repo.dir, "--output", "json");
    assert.is(bad.code, 3, bad.out);
    const json = JSON.parse(bad.out) as { manifestsCommit: string; ready: boolean; resources: { resource: string; reason: string }[] };
    assert.is(json.manifestsCommit, head);
    assert.is(json.ready, false);
    assert.is(json.resources.find((r) => r.resource.includes("vm1"))?.reason, "CommandFailed");
    assert.not.ok(JSON.stringify(lines).includes("tok-SECRET-123"));
  } finally {
    delete process.env["HUMOPS_GIT_TOKEN"];
    await service.stop();
    await repo.cleanup();
    await work.cleanup();
  }
});

cli.run();
