/**
 * The controller end to end on real parts: a git http-backend server, a real nats-server, the
 * NATS bus adapters of both sides, and a fake agent (in-memory host) on the agent bus.
 */
import { createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import { startControllerService, type ControllerService } from "../../../reconciler/controller/service.js";
import type { RoundReport } from "../../../reconciler/controller/reconcile-round.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";
import { startGitServer, type GitServer } from "../../helpers/git-server.js";
import { cloneRepo, makeRepo, tempDir, type ManifestsRepo, type TempDir } from "../../helpers/manifests-repo.js";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { until as waitFor } from "../../helpers/until.js";
import { FakeAgent } from "../../reconciler/controller/fake-agent.js";
import { captureLog, exampleFiles } from "../../reconciler/controller/harness.js";

const e2e = suite("controller over NATS and a git server");
const SECRET = "webhook-secret";
const VM = "systemv0/virtualmachine/group1/ns1/vm1";

interface Env {
  nats: NatsServer;
  git: GitServer;
  repo: ManifestsRepo;
  work: TempDir;
  url: string;
  agent: FakeAgent;
  service: ControllerService;
  reports: RoundReport[];
}
const env = {} as Env;

async function agentOn(host?: Map<string, ObservedResource>): Promise<FakeAgent> {
  const { log } = captureLog();
  const bus = await NatsAgentBus.connect({ servers: env.nats.url, node: "node1", log });
  return new FakeAgent(bus, "node1", host ? { host } : {}).start(1000);
}

let serviceLog: Record<string, unknown>[] = [];
async function startService(): Promise<ControllerService> {
  const { log, lines } = captureLog();
  serviceLog = lines;
  const s = await startControllerService({
    repo: env.url, branch: "main", path: ".", statusBranch: "status", workDir: join(env.work.path, "ctl"),
    nats: { url: env.nats.url }, pollIntervalMs: 0, listen: "127.0.0.1:0", webhookSecretFile: join(env.work.path, "secret"), commandTimeoutMs: 5000, log,
  });
  s.onRound((r) => env.reports.push(r));
  return s;
}

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function webhook(body: string, signed = true): Promise<Response> {
  const sig = createHmac("sha256", SECRET).update(body).digest("hex");
  return fetch(`${env.service.url}/hooks/git`, { method: "POST", headers: signed ? { "x-hub-signature-256": `sha256=${sig}` } : {}, body });
}

async function statusBranch(): Promise<{ commits: number; ready: boolean; vmGeneration: number | undefined }> {
  const c = await cloneRepo(env.url, { ref: "status" });
  try {
    const commits = execFileSync("git", ["-C", c.dir, "rev-list", "--count", "HEAD"], { encoding: "utf8" }).trim();
    const files = new Map<string, string>();
    for (const p of execFileSync("git", ["-C", c.dir, "ls-files"], { encoding: "utf8" }).trim().split("\n")) files.set(p, execFileSync("git", ["-C", c.dir, "show", `HEAD:${p}`], { encoding: "utf8" }));
    const { resources } = parseStatusFiles(files);
    return { commits: Number(commits), ready: resources.size === 10 && [...resources.values()].every((r) => r.ready), vmGeneration: resources.get(VM)?.generation };
  } finally {
    await c.cleanup();
  }
}

const lastReport = (): RoundReport | undefined => env.reports.at(-1);

e2e.before(async () => {
  env.reports = [];
  env.nats = await startNats();
  env.git = await startGitServer();
  env.git.createBareRepo("m");
  env.url = env.git.url("m");
  env.work = await tempDir("ctl-e2e");
  writeFileSync(join(env.work.path, "secret"), `${SECRET}\n`);
  env.repo = await makeRepo({ files: exampleFiles() });
  await env.repo.push(env.url);
});

/** Runs a teardown step, giving up after `ms` so a failed test reports instead of hanging the file. */
async function bounded(what: string, step: (() => Promise<unknown>) | undefined, ms = 15_000): Promise<void> {
  if (!step) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((res) => (timer = setTimeout(() => (console.error(`teardown: ${what} did not finish in ${ms} ms`), res()), ms)));
  await Promise.race([step().catch((e: unknown) => console.error(`teardown: ${what}:`, e)), late]);
  clearTimeout(timer);
}

e2e.after(async () => {
  await bounded("controller stop", env.service && (() => env.service.stop()));
  await bounded("agent kill", env.agent && (() => env.agent.kill()));
  await bounded("nats stop", env.nats && (() => env.nats.stop()));
  await bounded("git server stop", env.git && (() => env.git.stop()));
  await env.repo?.cleanup();
  await env.work?.cleanup();
});

e2e("push -> commands in dependency order -> one status commit with everything ready; an idle round commits nothing", async () => {
  env.agent = await agentOn();
  env.service = await startService();
  await until(() => lastReport()?.notReady === 0, "all ready");
  const order = env.agent.commands.map((c) => c.key.split("/")[1]);
  assert.ok(order.indexOf("network") < order.indexOf("virtualmachine") && order.indexOf("blockstorage") < order.indexOf("virtualmachine"), order.join(","));
  assert.is(env.agent.commands.length, 5);
  const n = env.reports.length;
  env.service.trigger("test");
  await until(() => env.reports.length > n, "second round");
  assert.is(lastReport()!.statusChanged, false);
  assert.is(lastReport()!.commandsSent, 0);
  // The debounced writer may still be pushing the round's commit: wait for it, then count.
  let st: Awaited<ReturnType<typeof statusBranch>> | undefined;
  await waitFor("the status branch with everything ready", async () => (st = await statusBranch().catch(() => undefined))?.ready === true, 30_000, 500);
  assert.is(st!.ready, true);
  assert.is(st!.commits, 1, "exactly one status commit");
});

e2e("a signed webhook triggers at once; unsigned and wrongly signed are refused", async () => {
  const head = await env.repo.commit({ "40-vm.yaml": exampleFiles()["40-vm.yaml"]!.replace("requestMemory: 256M", "requestMemory: 128M") }, "smaller vm");
  await env.repo.push(env.url);
  assert.is((await webhook(JSON.stringify({ ref: "refs/heads/main" }), false)).status, 401);
  const forged = await fetch(`${env.service.url}/hooks/git`, { method: "POST", headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, body: "{}" });
  assert.is(forged.status, 401);
  assert.is((await webhook(JSON.stringify({ ref: "refs/heads/main", after: head }))).status, 202);
  await until(() => lastReport()?.commit === head && lastReport()?.notReady === 0, "round on the pushed commit");
  assert.equal(env.agent.commands.filter((c) => c.key === VM).map((c) => c.generation), [1, 2]);
});

e2e("agent killed and restarted: nothing that exists is re-created", async () => {
  const host = env.agent.host;
  await env.agent.kill();
  env.agent = await agentOn(new Map(host));
  const n = env.reports.length;
  env.service.trigger("test");
  await until(() => env.reports.length > n && lastReport()?.notReady === 0, "round after agent restart");
  assert.is(env.agent.commands.length, 0);
});

e2e("nats-server stopped and started again: the loop recovers without a restart", async () => {
  env.nats = await env.nats.restart();
  const head = await env.repo.commit({ "40-vm.yaml": exampleFiles()["40-vm.yaml"]!.replace("requestMemory: 256M", "requestMemory: 64M") }, "even smaller");
  await env.repo.push(env.url);
  await until(() => {
    void webhook(JSON.stringify({ ref: "refs/heads/main" })).catch(() => undefined);
    return lastReport()?.commit === head && lastReport()?.notReady === 0;
    // Recovery includes JetStream reloading its streams and the KV watchers coming back; on a
    // busy CI machine that was once seen to take ~30 s, so the wait allows 90 s.
  }, "round after the NATS restart", 90_000);
  assert.equal(env.agent.commands.filter((c) => c.key === VM).map((c) => c.generation), [3]);
});

e2e("controller killed mid-round and restarted: no duplicate command applied, status correct", async () => {
  env.agent.delayMs = 1500;
  const head = await env.repo.commit({ "40-vm.yaml": exampleFiles()["40-vm.yaml"]!.replace("requestMemory: 256M", "requestMemory: 32M") }, "tiny");
  await env.repo.push(env.url);
  const before = env.agent.received.length;
  await webhook(JSON.stringify({ ref: "refs/heads/main" }));
  await until(() => env.agent.received.length > before, "command in flight");
  await env.service.stop();
  // Giving the lease up on stop is no lost lease: no warning on the console.
  assert.equal(serviceLog.filter((l) => String(l["msg"]).startsWith("lost the leader lease")), []);
  assert.ok(serviceLog.some((l) => l["msg"] === "stepping down: the controller is stopping"), "the stop is said");
  env.agent.delayMs = 0;
  env.service = await startService();
  await until(() => lastReport()?.commit === head && lastReport()?.notReady === 0, "round after the controller restart");
  assert.equal(env.agent.commands.filter((c) => c.key === VM && c.generation === 4).length, 1, "applied once");
  // The status writer is debounced (at most one commit per 2 s): the round's report can come
  // before its commit reaches the branch, so wait for the branch rather than read it once.
  let st = await statusBranch();
  await waitFor("the status branch at generation 4", async () => (st = await statusBranch()).vmGeneration === 4 && st.ready, 30_000, 500);
  assert.is(st.ready, true);
  assert.is(st.vmGeneration, 4);
});

e2e.run();
