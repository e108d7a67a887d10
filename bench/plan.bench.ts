/**
 * Plan benchmark (issue #3): a tree of 10,000 resources (VMs and their disks spread over
 * 1,000 node names, networks, namespaces, groups) planned from scratch: wall time, peak RSS
 * (in a child process, process.resourceUsage().maxRSS), and the ratio to the YAML-parse floor
 * measured in the same run (goal <= 4; RSS goal <= 300 MB); then a re-plan after changing one
 * file with the Planner kept, against the applied state (goal <= 100 ms; the controller's
 * case) and against nothing applied (10,000 creates). Run: `npm run bench -- plan`.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseAllDocuments } from "yaml";
import { appliedFromDesired } from "../reconciler/plan/applied-from-desired.js";
import { Planner } from "../reconciler/plan/planner.js";
import type { ManifestFile } from "../reconciler/manifest/types.js";
import { percentile, reportFigures } from "./lib/report.js";

const GROUPS = 10;
const NAMESPACES = 10; // per group
const NODES = 1000;
const TARGET = 10_000;

function file(path: string, text: string): ManifestFile {
  return { path, text, blobId: createHash("sha1").update(text).digest("hex") };
}

function vmPair(g: number, n: number, i: number, node: string, memory = "1G"): string {
  const ns = `ns${n}`;
  return `meta:
  apiType: systemv0/blockstorage
  id: disk${i}
  group: g${g}
  namespace: ${ns}
  annotations:
    blockstoragev0/node_name: ${node}
    blockstoragev0/type: Local
spec:
  requestSize: 1G
  limitSize: 10G
  from:
    type: Empty
---
meta:
  apiType: systemv0/virtualmachine
  id: vm${i}
  group: g${g}
  namespace: ${ns}
  annotations:
    virtualmachinev0/node_name: ${node}
spec:
  requestVcpus: 1000m
  limitVcpus: 1000m
  requestMemory: ${memory}
  limitMemory: ${memory}
  blockStorageIDs:
    - disk${i}
  nics:
    - networkID: net
      ipv4Address: 198.${18 + (g >> 3)}.${((g & 7) << 5) + n}.${10 + Math.floor(i / (GROUPS * NAMESPACES))}
  actionState: PowerOn
`;
}

function scopeFile(g: number): string {
  const docs = [`meta:\n  apiType: corev0/group\n  id: g${g}\n`];
  for (let n = 0; n < NAMESPACES; n++) {
    docs.push(`meta:\n  apiType: corev0/namespace\n  id: ns${n}\n  group: g${g}\n`);
    const cidr = `198.${18 + (g >> 3)}.${((g & 7) << 5) + n}.0/24`;
    docs.push(`meta:\n  apiType: systemv0/network\n  id: net\n  group: g${g}\n  namespace: ns${n}\n  annotations:\n    networkv0/network_type: VXLAN\nspec:\n  id: "${100 + g * NAMESPACES + n}"\n  ipv4CIDR: ${cidr}\n`);
  }
  return docs.join("---\n");
}

/** The tree: one file per group (group, namespaces, networks), one file per VM with its disk. */
export function makeTree(): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (let g = 0; g < GROUPS; g++) files.push(file(`g${g}/scope.yaml`, scopeFile(g)));
  const scoped = GROUPS * (1 + NAMESPACES * 2);
  const pairs = Math.floor((TARGET - scoped) / 2);
  for (let i = 0; i < pairs; i++) {
    const g = i % GROUPS;
    const n = Math.floor(i / GROUPS) % NAMESPACES;
    // ~49 VMs per namespace network: addresses .10 upwards, unique per network.
    files.push(file(`g${g}/ns${n}/vm${i}.yaml`, vmPair(g, n, i, `node-${String(i % NODES).padStart(4, "0")}`)));
  }
  return files;
}

function parseFloorMs(files: readonly ManifestFile[]): number {
  const t0 = performance.now();
  for (const f of files) for (const d of parseAllDocuments(f.text)) d.toJS();
  return performance.now() - t0;
}

function child(): void {
  const files = makeTree();
  const t0 = performance.now();
  const plan = new Planner().plan({ files, applied: [] });
  const ms = performance.now() - t0;
  const rssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, rssMB, changes: plan.changes.length, errors: plan.errors.length, steps: plan.changes.at(-1)?.step ?? 0 }));
}

interface Scratch {
  readonly floorMs: number;
  readonly planMs: number;
  readonly child: { ms: number; rssMB: number; changes: number; errors: number; steps: number };
}

/** From scratch: the YAML floor and the plan (best of 3 each), and a cold plan in a child for peak RSS. */
function measureScratch(files: readonly ManifestFile[]): Scratch {
  const floors = [parseFloorMs(files), parseFloorMs(files), parseFloorMs(files)];
  const scratch: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    new Planner().plan({ files, applied: [] });
    scratch.push(performance.now() - t0);
  }
  const out = execFileSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--child"], { encoding: "utf8" });
  const child = JSON.parse(out) as Scratch["child"];
  if (child.errors > 0 || child.changes < TARGET - 10) throw new Error(`bench tree is wrong: ${out}`);
  return { floorMs: Math.min(...floors), planMs: Math.min(...scratch), child };
}

function variant(files: readonly ManifestFile[], k: number): ManifestFile[] {
  const i = 1234 + k;
  const node = `node-${String(i % NODES).padStart(4, "0")}`;
  return files.map((f) => (f.path.endsWith(`/vm${i}.yaml`) ? file(f.path, vmPair(i % GROUPS, Math.floor(i / GROUPS) % NAMESPACES, i, node, "2G")) : f));
}

/** Re-plans after one file changed, the Planner kept: against the applied state (the controller's case), and against nothing. */
function measureReplans(files: readonly ManifestFile[]) {
  const planner = new Planner();
  planner.plan({ files, applied: [] });
  const applied = appliedFromDesired(planner.lastLoad!);
  planner.plan({ files, applied });
  const wall: number[] = [];
  const cpuMs: number[] = [];
  for (let k = 0; k < 10; k++) {
    const changed = variant(files, k);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = planner.plan({ files: changed, applied });
    wall.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    if (plan.changes.length !== 1 || plan.changes[0]!.action !== "update") throw new Error(`re-plan should give one update: ${plan.changes.length}`);
  }
  // A separate series (alternating would defeat the Planner's memo of the applied state).
  planner.plan({ files, applied: [] });
  const fromNothing: number[] = [];
  for (let k = 10; k < 20; k++) {
    const changed = variant(files, k);
    const t0 = performance.now();
    planner.plan({ files: changed, applied: [] });
    fromNothing.push(performance.now() - t0);
  }
  return { wall, cpuMs, fromNothing };
}

function main(): void {
  const files = makeTree();
  const s = measureScratch(files);
  const r = measureReplans(files);
  reportFigures("plan", [
    { name: "load average (1 min) during the run", value: loadavg()[0] ?? 0, unit: "" },
    { name: "resources", value: s.child.changes, unit: "resources" },
    { name: "files", value: files.length, unit: "files" },
    { name: "steps", value: s.child.steps, unit: "steps" },
    { name: "plan from scratch (best of 3)", value: s.planMs, unit: "ms" },
    { name: "plan from scratch (child, cold)", value: s.child.ms, unit: "ms" },
    { name: "YAML parse floor (best of 3)", value: s.floorMs, unit: "ms" },
    { name: "ratio plan / parse floor", value: s.planMs / s.floorMs, unit: "x", goal: "<= 4" },
    { name: "peak RSS (child)", value: s.child.rssMB, unit: "MB", goal: "<= 300" },
    { name: "re-plan vs applied, one file changed (p50)", value: percentile(r.wall, 50), unit: "ms", goal: "<= 100" },
    { name: "re-plan vs applied, one file changed (max)", value: Math.max(...r.wall), unit: "ms" },
    { name: "re-plan vs applied, CPU time (p50)", value: percentile(r.cpuMs, 50), unit: "ms" },
    { name: "re-plan, one file changed, nothing applied (p50)", value: percentile(r.fromNothing, 50), unit: "ms" },
  ]);
}

if (process.argv.includes("--child")) child();
else if (process.argv[1]?.endsWith("plan.bench.ts")) main();
