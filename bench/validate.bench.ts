/**
 * Benchmark of the manifest loader (issue #2): a generated tree of ~10,000 resources in ~200
 * files (groups, namespaces, pools, external IPs, networks, routers, disks, VMs with NICs).
 * Each phase runs in its own child process, so peak RSS is per phase:
 *   floor: read the tree + YAML-parse every document (the cost no loader can avoid);
 *   full:  what `humops validate` does: read + parse + validate + assemble.
 * Goal: full within 4x of the floor (wall time, median of 3).
 *
 *   node --import tsx bench/validate.bench.ts        (or: npm run bench -- validate)
 *   node --import tsx bench/validate.bench.ts --generate DIR   (only write the tree, to inspect it)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportFigures } from "../bench/lib/report.js";

const GROUPS = 10;
const NAMESPACES_PER_GROUP = 10;
const NETWORKS = 20;
const VMS = 38;
const RUNS = 3;

function meta(apiType: string, id: string, scope: { group?: string; namespace?: string; extra?: string }): string {
  const g = scope.group ? `\n  group: ${scope.group}` : "";
  const n = scope.namespace ? `\n  namespace: ${scope.namespace}` : "";
  return `meta:\n  apiType: ${apiType}\n  id: ${id}\n  name: ${id}${g}${n}${scope.extra ?? ""}\n`;
}

function networkDocs(group: string, namespace: string, nsIndex: number): string[] {
  const scope = { group, namespace };
  const docs: string[] = [];
  for (let i = 0; i < NETWORKS; i++) {
    const ann = `\n  annotations:\n    networkv0/network_type: VXLAN`;
    docs.push(`${meta("systemv0/network", `net${i}`, { ...scope, extra: ann })}spec:\n  id: "${nsIndex * 100 + i + 1}"\n  ipv4CIDR: 10.${nsIndex % 250}.${i}.0/24\n`);
  }
  for (let i = 0; i < 2; i++) {
    docs.push(`${meta("corev0/externalip", `eip${i}`, scope)}spec:\n  poolID: pool${nsIndex % 2}\n  ipv4Address: 203.0.113.${(nsIndex * 2 + i) % 250}\n  ipv4Prefix: 24\n`);
  }
  const nics = Array.from({ length: 4 }, (_, i) => `    - networkID: net${i}\n      ipv4Address: 10.${nsIndex % 250}.${i}.254/24\n`).join("");
  const eips = `  externalIPs:\n    - externalIPID: eip0\n      bindInternalIPv4Address: 10.${nsIndex % 250}.0.10\n`;
  const ann = `\n  annotations:\n    virtualrouterv0/node_name: worker${nsIndex % 4}`;
  docs.push(`${meta("systemv0/virtualrouter", "router0", { ...scope, extra: ann })}spec:\n  externalGateway: 203.0.113.254\n${eips}  natGatewayIP: 203.0.113.${200 + (nsIndex % 50)}\n  nics:\n${nics}`);
  return docs;
}

function computeDocs(group: string, namespace: string, nsIndex: number): string[] {
  const scope = { group, namespace };
  const docs: string[] = [];
  for (let i = 0; i < VMS; i++) {
    const bsAnn = `\n  annotations:\n    blockstoragev0/type: Local\n    blockstoragev0/node_name: worker${i % 4}`;
    docs.push(`${meta("systemv0/blockstorage", `disk${i}`, { ...scope, extra: bsAnn })}spec:\n  requestSize: 10G\n  limitSize: 20G\n  from:\n    type: HTTP\n    http:\n      url: http://203.0.113.5/images/focal-${i % 3}.img\n`);
    const nic = `  nics:\n    - networkID: net${i % NETWORKS}\n      ipv4Address: 10.${nsIndex % 250}.${i % NETWORKS}.${10 + i}\n      nameservers:\n        - 8.8.8.8\n      defaultGateway: 10.${nsIndex % 250}.${i % NETWORKS}.254\n`;
    const users = `  loginUsers:\n    - username: ops\n      sshAuthorizedKeys:\n        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3bench${i} ops@example\n`;
    const vmAnn = `\n  annotations:\n    virtualmachinev0/node_name: worker${i % 4}`;
    docs.push(`${meta("systemv0/virtualmachine", `vm${i}`, { ...scope, extra: vmAnn })}spec:\n  requestVcpus: 1000m\n  limitVcpus: "2"\n  requestMemory: 1G\n  limitMemory: 2G\n  blockStorageIDs:\n    - disk${i}\n${nic}  actionState: PowerOn\n${users}`);
  }
  return docs;
}

/** Writes the tree; returns the number of resources and files. */
function generateTree(root: string): { resources: number; files: number } {
  const cluster: string[] = [];
  for (let p = 0; p < 2; p++) {
    cluster.push(`${meta("corev0/externalippool", `pool${p}`, {})}spec:\n  ipv4CIDR: 203.0.113.0/24\n  bridgeName: exbr${p}\n  defaultGateway: 203.0.113.254\n`);
  }
  let resources = 2;
  let files = 1;
  for (let g = 0; g < GROUPS; g++) {
    const group = `group${g}`;
    cluster.push(meta("corev0/group", group, {}));
    resources++;
    for (let n = 0; n < NAMESPACES_PER_GROUP; n++) {
      const namespace = `ns${n}`;
      const nsIndex = g * NAMESPACES_PER_GROUP + n;
      const dir = join(root, group, namespace);
      mkdirSync(dir, { recursive: true });
      const net = [meta("corev0/namespace", namespace, { group }), ...networkDocs(group, namespace, nsIndex)];
      const compute = computeDocs(group, namespace, nsIndex);
      writeFileSync(join(dir, "network.yaml"), net.join("---\n"));
      writeFileSync(join(dir, "compute.yaml"), compute.join("---\n"));
      resources += net.length + compute.length;
      files += 2;
    }
  }
  writeFileSync(join(root, "cluster.yaml"), cluster.join("---\n"));
  return { resources, files };
}

interface PhaseResult {
  readonly ms: number;
  readonly maxRssKiB: number;
  readonly documents: number;
  readonly errors: number;
}

/** Runs in the child: one phase, timed from before its modules load (schema compilation counts). */
async function runPhase(phase: string, root: string): Promise<PhaseResult> {
  const started = performance.now();
  const { readManifestTree } = await import("../reconciler/source/fs-tree.js");
  const files = await readManifestTree(root);
  let documents = 0;
  let errors = 0;
  if (phase === "floor") {
    const { LineCounter, parseAllDocuments } = await import("yaml");
    for (const f of files) {
      const docs = parseAllDocuments(f.text, { lineCounter: new LineCounter(), version: "1.2", schema: "core", uniqueKeys: true });
      documents += docs.length;
      for (const d of docs) errors += d.errors.length;
    }
  } else {
    const { loadManifests } = await import("../reconciler/manifest/load-manifests.js");
    const result = loadManifests(files);
    documents = result.resources.size;
    errors = result.diagnostics.filter((d) => d.severity === "error").length;
  }
  return { ms: performance.now() - started, maxRssKiB: process.resourceUsage().maxRSS, documents, errors };
}

function runChild(phase: string, root: string): PhaseResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--phase", phase, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`phase ${phase} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as PhaseResult;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), `humops-bench-validate-${process.pid}-`));
  try {
    const tree = generateTree(root);
    const floor: PhaseResult[] = [];
    const full: PhaseResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(runChild("floor", root));
      full.push(runChild("full", root));
    }
    const bad = full.find((r) => r.errors > 0 || r.documents !== tree.resources);
    if (bad) throw new Error(`the generated tree must load cleanly: ${JSON.stringify(bad)} of ${tree.resources}`);
    const floorMs = median(floor.map((r) => r.ms));
    const fullMs = median(full.map((r) => r.ms));
    reportFigures("validate", [
      { name: "resources", value: tree.resources, unit: "" },
      { name: "files", value: tree.files, unit: "" },
      { name: "floor (read + YAML parse) wall, median", value: floorMs, unit: "ms" },
      { name: "full (humops validate path) wall, median", value: fullMs, unit: "ms" },
      { name: "full / floor", value: fullMs / floorMs, unit: "x", goal: "<= 4" },
      { name: "floor peak RSS", value: Math.max(...floor.map((r) => r.maxRssKiB)) / 1024, unit: "MiB" },
      { name: "full peak RSS", value: Math.max(...full.map((r) => r.maxRssKiB)) / 1024, unit: "MiB" },
    ], { runs: { floor, full } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const phaseAt = process.argv.indexOf("--phase");
const generateAt = process.argv.indexOf("--generate");
if (generateAt >= 0) {
  console.log(JSON.stringify(generateTree(process.argv[generateAt + 1]!)));
} else if (phaseAt >= 0) {
  console.log(JSON.stringify(await runPhase(process.argv[phaseAt + 1]!, process.argv[phaseAt + 2]!)));
} else {
  await main();
}
