/**
 * A controller that never waits (issue #11), end to end on real parts: a `humops controller`
 * process, nats-server, simulated nodes built from the real agent runtime (bench/lib/sim-agents.ts),
 * and a local repository (ref watch) or a git http-backend server (webhook).
 *
 * push -> first command for an unrelated VM, p50/p95 over INFLIGHT_PUSHES pushes (default 20),
 * with the watch and the webhook trigger, idle and with 50 slow downloads (disk applies) and
 * 20 VM power-offs (VM deletes) in flight on the agents, each taking INFLIGHT_SLOW_S (90) s.
 * Goal: p50 <= 300 ms in both. The busy figures are thrown away (the bench fails) if any slow
 * command finished before the last push was measured.
 *
 *   npm run bench -- inflight
 */
import { join } from "node:path";
import { startGitServer, type GitServer } from "../test/helpers/git-server.js";
import { makeRepo, tempDir, type ManifestsRepo } from "../test/helpers/manifests-repo.js";
import { startNats } from "../test/helpers/nats-server.js";
import { startControllerProcess, type ControllerProcess } from "./lib/controller-process.js";
import { percentile, reportFigures, type Figure } from "./lib/report.js";
import { simNode } from "./lib/scale-manifests.js";
import { startSimAgents, type HostDelay, type SimAgents } from "./lib/sim-agents.js";

const PUSHES = Number(process.env["INFLIGHT_PUSHES"] ?? 20);
const SLOW_MS = Number(process.env["INFLIGHT_SLOW_S"] ?? 90) * 1000;
const VMS = 20;
const DOWNLOADS = 50;
/** 20 nodes share the slow work (at most 4 each: the agent runs 4 commands at once); the probe VM has its own. */
const AGENTS = 21;
const PROBE_NODE = simNode(20);
const PROBE = "systemv0/virtualmachine/g/ns/probe";
const SLOW = /(virtualmachine\/g\/ns\/vmx\d+|blockstorage\/g\/ns\/slow\d+)$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const delay: HostDelay = (cmd, verb) => {
  if (SLOW.test(cmd.key) && ((verb === "remove" && cmd.apiType === "systemv0/virtualmachine") || (verb === "apply" && cmd.apiType === "systemv0/blockstorage"))) return SLOW_MS;
  if (cmd.apiType === "systemv0/network") return 30;
  if (cmd.apiType === "systemv0/virtualmachine") return 300;
  return 200;
};

const disk = (id: string, node: string, http: boolean): string =>
  `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  group: g\n  namespace: ns\n  annotations:\n    blockstoragev0/type: Local\n    blockstoragev0/node_name: ${node}\n` +
  `spec:\n  requestSize: 1G\n  limitSize: 1G\n  from:\n` + (http ? `    type: HTTP\n    http:\n      url: http://198.18.0.9/images/${id}.qcow2\n` : "    type: Empty\n");
const vm = (id: string, diskId: string, node: string, ip: number, memoryM = 256): string =>
  `meta:\n  apiType: systemv0/virtualmachine\n  id: ${id}\n  group: g\n  namespace: ns\n  annotations:\n    virtualmachinev0/node_name: ${node}\n` +
  `spec:\n  requestVcpus: 1000m\n  limitVcpus: 1000m\n  requestMemory: ${memoryM}M\n  limitMemory: ${memoryM}M\n  blockStorageIDs:\n    - ${diskId}\n` +
  `  nics:\n    - networkID: net0\n      ipv4Address: 10.0.0.${ip}\n  actionState: PowerOff\n`;

/** The group, namespace, network, the probe VM and the 20 VMs that will be deleted. */
function baseTree(): Record<string, string> {
  const files: Record<string, string> = {
    "00-ns.yaml": "meta:\n  apiType: corev0/group\n  id: g\n---\nmeta:\n  apiType: corev0/namespace\n  id: ns\n  group: g\n",
    "10-net.yaml": "meta:\n  apiType: systemv0/network\n  id: net0\n  group: g\n  namespace: ns\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: \"100\"\n  ipv4CIDR: 10.0.0.0/24\n",
    "20-probe.yaml": `${disk("probe-bs", PROBE_NODE, false)}---\n${vm("probe", "probe-bs", PROBE_NODE, 2)}`,
  };
  for (let i = 0; i < VMS; i++) files[`30-vmx${i}.yaml`] = `${disk(`bsx${i}`, simNode(i), false)}---\n${vm(`vmx${i}`, `bsx${i}`, simNode(i), 10 + i)}`;
  return files;
}

const vmFiles = Array.from({ length: VMS }, (_, i) => `30-vmx${i}.yaml`);
/** The busy commit's files: the 20 VMs go (their disks stay), 50 downloads come. */
function busyFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < VMS; i++) files[`31-bsx${i}.yaml`] = disk(`bsx${i}`, simNode(i), false);
  for (let i = 0; i < DOWNLOADS; i++) files[`40-slow${i}.yaml`] = disk(`slow${i}`, simNode(i % VMS), true);
  return files;
}

function allInFlight(sim: SimAgents, since: number): boolean {
  const got = new Set(sim.receipts.slice(since).filter((r) => SLOW.test(r.key) && (r.key.includes("slow") ? r.op === "apply" : r.op === "delete")).map((r) => r.key));
  return got.size === VMS + DOWNLOADS;
}

async function until(what: string, f: () => boolean, timeoutMs = 60_000, ctl?: ControllerProcess): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    ctl?.poll();
    if (Date.now() - t0 > timeoutMs) throw new Error(`inflight bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Setup { repo: ManifestsRepo; git: GitServer | undefined; url: string | undefined; ctl: ControllerProcess }

/** Commits `files` (removing `remove`) and lets the controller know the way `mode` does; returns the time the push was complete. */
async function push(s: Setup, files: Record<string, string>, message: string, remove: readonly string[] = []): Promise<number> {
  const head = await s.repo.commit(files, message, { remove });
  if (s.url !== undefined) await s.repo.push(s.url);
  const t0 = performance.now();
  if (s.url !== undefined) await s.ctl.webhook(head);
  return t0;
}

async function run(mode: "watch" | "webhook", busy: boolean, port: number): Promise<Figure[]> {
  const nats = await startNats();
  const work = await tempDir(`bench-inflight-${mode}`);
  const sim = await startSimAgents({ natsUrl: nats.url, count: AGENTS, dir: join(work.path, "agents"), delay });
  const repo = await makeRepo({ files: baseTree() });
  const git = mode === "webhook" ? await startGitServer() : undefined;
  git?.createBareRepo("m");
  const url = git?.url("m");
  if (url !== undefined) await repo.push(url);
  const ctl = await startControllerProcess({ repo: url ?? repo.dir, natsUrl: nats.url, workDir: work.path, port });
  const s: Setup = { repo, git, url, ctl };
  const label = `${mode} ${busy ? "busy (70 slow commands in flight)" : "idle"}`;
  try {
    await until("all ready", () => ctl.rounds.some((r) => r.notReady === 0), 120_000, ctl);
    if (busy) {
      const since = sim.receipts.length;
      await push(s, busyFiles(), "slow work", vmFiles);
      await until("the 70 slow commands in flight", () => allInFlight(sim, since), 60_000, ctl);
    }
    const slowAnswered0 = sim.answered.filter((a) => SLOW.test(a.key)).length;
    const cmd: number[] = [];
    for (let i = 0; i < PUSHES; i++) {
      const before = sim.receipts.length;
      const answered = sim.answered.length;
      const t0 = await push(s, { "20-probe.yaml": `${disk("probe-bs", PROBE_NODE, false)}---\n${vm("probe", "probe-bs", PROBE_NODE, 2, i % 2 === 0 ? 128 : 256)}` }, `push ${i}`);
      await until("the probe's command", () => sim.receipts.slice(before).some((r) => r.key === PROBE), 30_000, ctl);
      cmd.push(sim.receipts.slice(before).find((r) => r.key === PROBE)!.at - t0);
      await until("the probe's result", () => sim.answered.slice(answered).some((a) => a.key === PROBE), 30_000, ctl);
      await sleep(100);
    }
    const slowAnswered = sim.answered.filter((a) => SLOW.test(a.key)).length - slowAnswered0;
    if (busy && (slowAnswered > 0 || sim.inflight() < VMS + DOWNLOADS)) {
      throw new Error(`inflight bench: ${slowAnswered} slow commands finished (${sim.inflight()} in flight) before the pushes were measured: the busy figures would be idle ones; raise INFLIGHT_SLOW_S`);
    }
    return [
      { name: `${label}: push -> first command p50`, value: percentile(cmd, 50), unit: "ms", goal: "p50 <= 300 ms" },
      { name: `${label}: push -> first command p95`, value: percentile(cmd, 95), unit: "ms" },
    ];
  } finally {
    await ctl.stop();
    await sim.stop();
    await git?.stop();
    await nats.stop();
    await repo.cleanup();
    await work.cleanup();
  }
}

const figures: Figure[] = [];
let port = 18_490;
for (const mode of ["watch", "webhook"] as const) for (const busy of [false, true]) figures.push(...(await run(mode, busy, port++)));
reportFigures("inflight", figures, { pushes: PUSHES, slowSeconds: SLOW_MS / 1000, agents: AGENTS, slowInFlight: { downloads: DOWNLOADS, powerOffs: VMS } });
