/**
 * Controller loop latency and idle cost (issue #4), on real parts: nats-server, the NATS bus
 * adapters, a git http-backend server (webhook and poll) or a local repository (watch), and a
 * fake agent with an in-memory host.
 *
 * - push -> first command received by the agent, push -> status commit: p50/p95 over N commits
 *   for the local-repo watch, the webhook and the poll (goal: p50 <= 300 ms with watch or webhook).
 * - idle controller with 1,000 resources: CPU over a minute and status commits per hour
 *   (goal: < 1% of a core, no commits).
 * - issue #11, on the in-memory bus and a fake agent: push -> first command for watch and
 *   webhook, idle and with 50 slow downloads and 20 VM power-offs in flight (bench/lib/busy-work.ts);
 *   goal p50 <= 300 ms in both.
 *
 *   node --import tsx bench/loop.bench.ts      (LOOP_COMMITS=50 LOOP_IDLE_S=60 by default;
 *                                               LOOP_PARTS=busy runs only the issue #11 part)
 */
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { NatsAgentBus } from "../node-agent/bus/nats-agent-bus.js";
import { MemoryBus } from "../reconciler/bus/memory-bus.js";
import { startControllerService, type ControllerService } from "../reconciler/controller/service.js";
import type { RoundReport } from "../reconciler/controller/reconcile-round.js";
import { FakeAgent } from "../test/reconciler/controller/fake-agent.js";
import { exampleFiles } from "../test/reconciler/controller/harness.js";
import { startGitServer } from "../test/helpers/git-server.js";
import { makeRepo, tempDir, type ManifestsRepo } from "../test/helpers/manifests-repo.js";
import { startNats, type NatsServer } from "../test/helpers/nats-server.js";
import { allInFlight, removedVmFiles, slowDown, treeWithDownloads, treeWithVms } from "./lib/busy-work.js";
import { percentile, reportFigures, type Figure } from "./lib/report.js";

const COMMITS = Number(process.env["LOOP_COMMITS"] ?? 50);
const IDLE_S = Number(process.env["LOOP_IDLE_S"] ?? 60);
const PARTS = process.env["LOOP_PARTS"] ?? "all";
const SECRET = "bench-secret";
const log = pino({ level: "silent" });

async function until(pred: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("bench timed out");
    await new Promise((r) => setImmediate(r));
  }
}

interface Mode {
  name: "watch" | "webhook" | "poll";
  repo: ManifestsRepo;
  url?: string;
  service: ControllerService;
}

async function agentOn(nats: NatsServer, files: Record<string, string> = {}): Promise<FakeAgent> {
  void files;
  const bus = await NatsAgentBus.connect({ servers: nats.url, node: "node1", log });
  return new FakeAgent(bus, "node1", { capacity: { vcpus: 4096, memoryBytes: 2 ** 50 } }).start(3000);
}

async function measure(mode: Mode, agent: FakeAgent, reports: RoundReport[], withStatus = true): Promise<{ cmd: number[]; status: number[] }> {
  const cmd: number[] = [];
  const status: number[] = [];
  const vm = exampleFiles()["40-vm.yaml"]!;
  for (let i = 0; i < COMMITS; i++) {
    const mem = `requestMemory: ${i % 2 === 0 ? 128 : 256}M`;
    const before = agent.received.length;
    const head = await mode.repo.commit({ "40-vm.yaml": vm.replace("requestMemory: 256M", mem) }, `bench ${i}`);
    if (mode.url !== undefined) await mode.repo.push(mode.url);
    const t0 = performance.now();
    if (mode.name === "webhook") await webhookPush(mode.service, head);
    await until(() => agent.received.length > before && agent.received.slice(before).some((c) => c.key.endsWith("/vm1")));
    cmd.push(performance.now() - t0);
    if (!withStatus) {
      // Busy: the work never settles (no round report); wait for the command's answer instead.
      await until(() => agent.commands.some((c) => c.key.endsWith("/vm1") && c.spec["requestMemory"] === mem.split(": ")[1]));
      continue;
    }
    await until(() => reports.some((r) => r.commit === head && r.statusChanged)).catch((e: unknown) => {
      throw new Error(`${mode.name}: commit ${i} got no status commit: ${JSON.stringify(reports.slice(-3))}`, { cause: e });
    });
    status.push(performance.now() - t0);
  }
  return { cmd, status };
}

/** The manifests repository of a mode: local for `watch`, else pushed to a git http-backend server. */
async function repoFor(name: Mode["name"], files: Record<string, string>): Promise<{ repo: ManifestsRepo; git: Awaited<ReturnType<typeof startGitServer>> | undefined; url: string | undefined }> {
  const repo = await makeRepo({ files });
  if (name === "watch") return { repo, git: undefined, url: undefined };
  const git = await startGitServer();
  git.createBareRepo("m");
  const url = git.url("m");
  await repo.push(url);
  return { repo, git, url };
}

async function latency(nats: NatsServer, name: Mode["name"], work: string): Promise<Figure[]> {
  const { repo, git, url } = await repoFor(name, exampleFiles());
  const agent = await agentOn(nats);
  const service = await startControllerService({
    repo: url ?? repo.dir, branch: "main", path: ".", statusBranch: `status-${name}`, workDir: join(work, name), nats: { url: nats.url },
    pollIntervalMs: name === "poll" ? 1000 : 0, listen: "127.0.0.1:0", webhookSecretFile: join(work, "secret"), log,
  });
  const reports: RoundReport[] = [];
  service.onRound((r) => reports.push(r));
  await until(() => reports.at(-1)?.notReady === 0);
  const m = await measure({ name, repo, service, ...(url ? { url } : {}) }, agent, reports);
  await service.stop();
  await agent.kill();
  await git?.stop();
  await repo.cleanup();
  const goal = name === "poll" ? "interval/2 + round" : "p50 <= 300 ms";
  return [
    { name: `${name}: push -> first command p50`, value: percentile(m.cmd, 50), unit: "ms", goal },
    { name: `${name}: push -> first command p95`, value: percentile(m.cmd, 95), unit: "ms" },
    { name: `${name}: push -> status commit p50`, value: percentile(m.status, 50), unit: "ms" },
    { name: `${name}: push -> status commit p95`, value: percentile(m.status, 95), unit: "ms" },
  ];
}

function bigTree(n: number): Record<string, string> {
  const docs = ["meta:\n  apiType: corev0/group\n  id: g\n", "meta:\n  apiType: corev0/namespace\n  id: ns\n  group: g\n"];
  for (let i = 0; i < n - 2; i++) docs.push(`meta:\n  apiType: systemv0/network\n  id: net${i}\n  group: g\n  namespace: ns\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: "${(i % 4000) + 1}"\n  ipv4CIDR: 10.${Math.floor(i / 256) % 256}.${i % 256}.0/24\n`);
  return { "all.yaml": docs.join("---\n") };
}

async function idle(nats: NatsServer, work: string): Promise<Figure[]> {
  const repo = await makeRepo({ files: bigTree(1000) });
  const agent = await agentOn(nats);
  const service = await startControllerService({ repo: repo.dir, branch: "main", path: ".", statusBranch: "status-idle", workDir: join(work, "idle"), nats: { url: nats.url }, pollIntervalMs: 30_000, log });
  const reports: RoundReport[] = [];
  service.onRound((r) => reports.push(r));
  await until(() => reports.at(-1)?.notReady === 0, 300_000);
  await new Promise((r) => setTimeout(r, 2000));
  const commitsBefore = reports.filter((r) => r.statusChanged).length;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const commits = reports.filter((r) => r.statusChanged).length - commitsBefore;
  await service.stop();
  await agent.kill();
  await repo.cleanup();
  return [
    { name: "idle 1000 resources: CPU", value: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, unit: "% of a core", goal: "< 1%" },
    { name: "idle 1000 resources: status commits", value: (commits * 3_600_000) / wallMs, unit: "per hour", goal: "0" },
    { name: "idle 1000 resources: rounds", value: reports.length, unit: "rounds (incl. setup)" },
  ];
}

/** Push -> first command on the in-memory bus, idle or with 70 slow commands in flight (issue #11). */
async function busyLatency(name: "watch" | "webhook", busy: boolean, work: string): Promise<Figure[]> {
  const { repo, git, url } = await repoFor(name, treeWithVms());
  const bus = new MemoryBus();
  const agent = await new FakeAgent(bus.connectAgent(), "node1", { capacity: { vcpus: 4096, memoryBytes: 2 ** 50 } }).start(3000);
  const label = `${name} ${busy ? "busy" : "idle"} (memory bus)`;
  const service = await startControllerService({
    repo: url ?? repo.dir, branch: "main", path: ".", statusBranch: `status-${name}-${busy ? "busy" : "idle"}`, workDir: join(work, `${name}-${busy}`), bus,
    pollIntervalMs: 0, listen: "127.0.0.1:0", webhookSecretFile: join(work, "secret"), commandTimeoutMs: 900_000, log,
  });
  const reports: RoundReport[] = [];
  service.onRound((r) => reports.push(r));
  await until(() => reports.at(-1)?.notReady === 0, 120_000);
  if (busy) {
    slowDown(agent);
    const head = await repo.commit(treeWithDownloads(), "slow work", { remove: removedVmFiles });
    if (url !== undefined) await repo.push(url);
    if (name === "webhook") await webhookPush(service, head);
    await until(() => allInFlight(agent), 120_000);
  }
  const m = await measure({ name, repo, service, ...(url ? { url } : {}) }, agent, reports, !busy);
  const stillInFlight = busy ? allInFlight(agent) && agent.commands.filter((c) => /(vmx|slow)\d+$/.test(c.key) && (c.op === "delete" || c.key.includes("slow"))).length === 0 : true;
  await service.stop();
  await agent.kill();
  await git?.stop();
  await repo.cleanup();
  if (!stillInFlight) throw new Error("the slow commands finished during the measurement: the busy figures would be idle ones");
  return [
    { name: `${label}: push -> first command p50`, value: percentile(m.cmd, 50), unit: "ms", goal: "p50 <= 300 ms" },
    { name: `${label}: push -> first command p95`, value: percentile(m.cmd, 95), unit: "ms" },
  ];
}

async function webhookPush(service: ControllerService, head: string): Promise<void> {
  const body = JSON.stringify({ ref: "refs/heads/main", after: head });
  const sig = createHmac("sha256", SECRET).update(body).digest("hex");
  await fetch(`${service.url}/hooks/git`, { method: "POST", headers: { "x-hub-signature-256": `sha256=${sig}` }, body });
}

const nats = await startNats();
const work = await tempDir("loop-bench");
writeFileSync(join(work.path, "secret"), SECRET);
try {
  const figures: Figure[] = [];
  if (PARTS !== "busy") {
    for (const mode of ["watch", "webhook", "poll"] as const) figures.push(...(await latency(nats, mode, work.path)));
    figures.push(...(await idle(nats, work.path)));
  }
  for (const mode of ["watch", "webhook"] as const) for (const busy of [false, true]) figures.push(...(await busyLatency(mode, busy, work.path)));
  reportFigures(PARTS === "busy" ? "loop-busy" : "loop", figures, { commits: COMMITS, idleSeconds: IDLE_S, slowInFlight: { downloads: 50, powerOffs: 20 } });
} finally {
  await nats.stop();
  await work.cleanup();
}
