/**
 * VM figures (issue #7) on the real product: the e2e cluster harness (test/helpers/e2e-cluster.ts)
 * with one netns node running the real `humops agent`, the real `humops controller`, a git
 * http-backend server and nats-server; qemu TCG guests booting the tiny guest from BaseImage
 * overlays of one image entity.
 *
 * N sequential pushes, each adding one disk and one VM (memory VM_MEMORY, default 96M); per VM:
 * - push -> qemu running: the agent journal's `result` of the VM's apply;
 * - push -> guest up: the guest's `humops-guest: nic ... address` console line (polled every 250 ms);
 * - phases: accepted (the controller's first `round done` at the pushed revision: it ends after
 *   the round's commands, so it trails "qemu running"), disk command
 *   received by the agent, disk ready, qemu started, guest up (journal and log timestamps);
 * - agent RSS with all N VMs running.
 *
 *   node --import tsx bench/vm.bench.ts        (VM_COUNT=10 VM_MEMORY=96M by default)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readText, startCluster, waitFor, type E2eCluster } from "../test/helpers/e2e-cluster.js";
import { baseFiles, disk, vm } from "../test/e2e/scenario.js";
import { percentile, reportFigures, type Figure } from "./lib/report.js";

const COUNT = Number(process.env["VM_COUNT"] ?? 10);
const MEMORY = process.env["VM_MEMORY"] ?? "96M";

interface JournalLine {
  readonly at: string;
  readonly event: string;
  readonly key: string;
  readonly op?: string;
  readonly ok?: boolean;
}

function journal(c: E2eCluster): JournalLine[] {
  const text = readText(join(c.agents.get("node1")!.dataDir, "journal.jsonl"));
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as JournalLine);
}

/** The first journal time (ms) of `event` for `key` (an apply) at or after `since`. */
function journalAt(c: E2eCluster, key: string, event: string, since: number): number | undefined {
  const hit = journal(c).find((l) => l.key === key && l.event === event && (l.op ?? "apply") === "apply" && (event !== "result" || l.ok) && Date.parse(l.at) >= since);
  return hit ? Date.parse(hit.at) : undefined;
}

/** The time of the controller's first `round done` at `sha`. */
function acceptedAt(c: E2eCluster, sha: string): number | undefined {
  for (const l of c.controllerLog().split("\n")) {
    if (l.includes(`"revision":"${sha}"`) && l.includes('"msg":"round done"')) return (JSON.parse(l) as { time: number }).time;
  }
  return undefined;
}

function imageFiles(group: string, url: string): Record<string, string> {
  return {
    ...baseFiles(group),
    "40-image.yaml": [disk(group, "src", "node1", { url }), "---", `meta:\n  apiType: systemv0/imageentity\n  id: tiny1\n  group: ${group}\nspec:\n  source:\n    namespace: ns1\n    blockStorageID: src`, "---", `meta:\n  apiType: systemv0/image\n  id: tiny\n  group: ${group}\nspec:\n  entityMap:\n    latest: tiny1`, ""].join("\n"),
  };
}

interface Timing {
  push: number;
  accepted: number;
  diskReceived: number;
  diskReady: number;
  qemuRunning: number;
  guestUp: number;
}

async function oneVm(c: E2eCluster, group: string, i: number, files: Record<string, string>): Promise<Timing> {
  const id = `vm${i}`;
  files[`50-disk${i}.yaml`] = disk(group, `disk${i}`, "node1", { image: "tiny" });
  files[`60-${id}.yaml`] = vm(group, { id, node: "node1", disk: `disk${i}`, address: `198.19.10.${20 + i}`, power: "PowerOn", memory: MEMORY });
  const push = Date.now();
  const sha = await c.push(files, `bench: ${id}`);
  const vmKey = `systemv0/virtualmachine/${group}/ns1/${id}`;
  const diskKey = `systemv0/blockstorage/${group}/ns1/disk${i}`;
  const qemuRunning = await waitFor(`${id} qemu`, () => journalAt(c, vmKey, "result", push), 120_000);
  const status = await waitFor(`${id} status`, async () => (await c.status(`groups/${group}/namespaces/ns1/virtualmachine/${id}.yaml`))?.["details"]?.["consoleLog"] as string | undefined, 60_000);
  const guestUp = await waitFor(`${id} address on console`, () => (readText(status).includes(`address 198.19.10.${20 + i}/24`) ? Date.now() : undefined), 120_000);
  return {
    push,
    accepted: acceptedAt(c, sha) ?? NaN,
    diskReceived: journalAt(c, diskKey, "received", push) ?? NaN,
    diskReady: journalAt(c, diskKey, "result", push) ?? NaN,
    qemuRunning,
    guestUp,
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function figures(t: readonly Timing[], rss: number): Figure[] {
  const p50 = (f: (x: Timing) => number): number => percentile(t.map(f), 50);
  return [
    { name: "push -> qemu running p50", value: p50((x) => x.qemuRunning - x.push), unit: "ms" },
    { name: "push -> guest address on console p50", value: p50((x) => x.guestUp - x.push), unit: "ms" },
    { name: "push -> guest address on console p95", value: percentile(t.map((x) => x.guestUp - x.push), 95), unit: "ms" },
    { name: "push -> controller round at the commit done p50", value: p50((x) => x.accepted - x.push), unit: "ms" },
    { name: "phase push -> disk command at agent p50", value: p50((x) => x.diskReceived - x.push), unit: "ms" },
    { name: "phase disk received -> disk ready p50", value: p50((x) => x.diskReady - x.diskReceived), unit: "ms" },
    { name: "phase disk ready -> qemu running p50", value: p50((x) => x.qemuRunning - x.diskReady), unit: "ms" },
    { name: "phase qemu running -> guest up p50", value: p50((x) => x.guestUp - x.qemuRunning), unit: "ms" },
    { name: `agent RSS with ${t.length} VMs running`, value: rss, unit: "MiB" },
  ];
}

async function main(): Promise<void> {
  // The agent runs as deployed (docs/operations.md): the built dist/ with a 1 MiB V8
  // semi-space, not from source under tsx (whose loader alone adds tens of MiB).
  const root = new URL("..", import.meta.url).pathname;
  const build = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  const flags = (process.env["HUMOPS_AGENT_NODE_FLAGS"] ?? "--max-semi-space-size=1").split(" ").filter(Boolean);
  const agentCommand = ["node", ...flags, `${root}dist/cmd/humops.js`];
  const c = await startCluster({ nodes: ["node1"], limitMemory: "16G", agentCommand });
  try {
    const group = `b${c.tag}`;
    const files = imageFiles(group, c.imageUrl);
    await c.push(files, "bench: network and image");
    await waitFor("image entity", async () => (await c.status(`groups/${group}/imageentity/tiny1.yaml`))?.["ready"] === true, 120_000);
    const timings: Timing[] = [];
    for (let i = 1; i <= COUNT; i++) timings.push(await oneVm(c, group, i, files));
    await new Promise((r) => setTimeout(r, 5_000));
    const rss = rssMiB(c.agents.get("node1")!.proc!.pid);
    reportFigures("vm", figures(timings, rss), { vms: COUNT, memory: MEMORY, accelerator: "tcg", agentCommand, loadavg: (await import("node:os")).loadavg(), timings });
  } finally {
    await c.stop();
  }
}

await main();
