/**
 * Slow work for the loop benchmark (issue #11): the example manifests plus 20 VMs on a
 * MemoryBus fake agent, then a commit that deletes the 20 VMs (each power-off takes 10 minutes)
 * and adds 50 HTTP disks (each download takes 10 minutes). While those 70 commands are in
 * flight, the benchmark measures push -> first command of unrelated commits.
 */
import { exampleFiles } from "../../test/reconciler/controller/harness.js";
import type { FakeAgent } from "../../test/reconciler/controller/fake-agent.js";

const VMS = 20;
const DOWNLOADS = 50;
const SLOW_MS = 600_000;

const vmDoc = (i: number): string =>
  exampleFiles()["40-vm.yaml"]!.replace("id: vm1", `id: vmx${i}`).replace("name: virtualmachine1", `name: vmx${i}`).replace("    - bs1\n", `    - bsx${i}\n`).replace("ipv4Address: 10.0.0.1", `ipv4Address: 10.0.0.${10 + i}`);

const emptyDisk = (id: string): string =>
  `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  group: group1\n  namespace: ns1\n  annotations:\n    blockstoragev0/type: Local\nspec:\n  requestSize: 1G\n  limitSize: 1G\n  from:\n    type: Empty\n`;

const httpDisk = (id: string): string =>
  `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  group: group1\n  namespace: ns1\n  annotations:\n    blockstoragev0/type: Local\n    blockstoragev0/node_name: node1\nspec:\n  requestSize: 1G\n  limitSize: 1G\n  from:\n    type: HTTP\n    http:\n      url: http://198.18.0.9/images/${id}.qcow2\n`;

/** The tree with the 20 VMs (and their disks) to delete later. */
export function treeWithVms(): Record<string, string> {
  const files = exampleFiles();
  for (let i = 0; i < VMS; i++) {
    files[`60-vmx${i}.yaml`] = vmDoc(i);
    files[`61-bsx${i}.yaml`] = emptyDisk(`bsx${i}`);
  }
  return files;
}

/** The next tree: the VMs gone (their disks kept), 50 HTTP disks added. */
export function treeWithDownloads(): Record<string, string> {
  const files = treeWithVms();
  for (let i = 0; i < VMS; i++) delete files[`60-vmx${i}.yaml`];
  for (let i = 0; i < DOWNLOADS; i++) files[`70-slow${i}.yaml`] = httpDisk(`slow${i}`);
  return files;
}

/** The paths treeWithDownloads removes. */
export const removedVmFiles = Array.from({ length: VMS }, (_, i) => `60-vmx${i}.yaml`);

/** Makes `agent` take 10 minutes over each VM delete and each HTTP disk. */
export function slowDown(agent: FakeAgent): void {
  agent.slow = { match: /(virtualmachine\/group1\/ns1\/vmx\d+|blockstorage\/group1\/ns1\/slow\d+)$/, ms: SLOW_MS };
}

/** True once all 70 slow commands reached the agent. */
export function allInFlight(agent: FakeAgent): boolean {
  const vmDeletes = new Set(agent.received.filter((c) => c.op === "delete" && /vmx\d+$/.test(c.key)).map((c) => c.key));
  const downloads = new Set(agent.received.filter((c) => c.op === "apply" && /slow\d+$/.test(c.key)).map((c) => c.key));
  return vmDeletes.size === VMS && downloads.size === DOWNLOADS;
}
