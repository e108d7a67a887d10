// Issue #11: nothing one resource does delays an unrelated one. The real `humops controller`
// and a real `humops agent` in a node netns over a real nats-server, manifests pushed to a git
// http-backend server (test/helpers/e2e-cluster.ts). A disk downloads from an HTTP server that
// serves 64 KiB/s, and a VM with nothing to boot (SeaBIOS on an empty disk: no OS answers the
// ACPI button) is deleted, so its agent waits out the power-off timeout; meanwhile a new network
// is pushed. It must be applied and shown ready while both are still in progress.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../helpers/process-control.js";
import { isHumopsName } from "../../../schemas/host-names.js";
import { startCluster, waitFor, type E2eCluster } from "../../helpers/e2e-cluster.js";
import { baseFiles, disk, vm } from "../../e2e/scenario.js";

const T = suite("unrelated work is never held up (issue #11)");
const KiB = 1024;
const SLOW_BYTES = 4096 * KiB; // 64 s at 64 KiB/s
const POWER_OFF_S = 60;
let c: E2eCluster;
let group: string;

const nsPath = (kind: string, id: string): string => `groups/${group}/namespaces/ns1/${kind}/${id}.yaml`;
const emptyDisk = (id: string): string =>
  [
    "meta:", "  apiType: systemv0/blockstorage", `  id: ${id}`, `  group: ${group}`, "  namespace: ns1", "  annotations:", "    blockstoragev0/node_name: node1", "    blockstoragev0/type: Local",
    "spec:", "  requestSize: 64M", "  limitSize: 64M", "  from:", "    type: Empty", "",
  ].join("\n");
const bridgeNet = (id: string, cidr: string): string =>
  ["meta:", "  apiType: systemv0/network", `  id: ${id}`, `  group: ${group}`, "  namespace: ns1", "  annotations:", "    networkv0/network_type: Bridge", "spec:", '  id: "300"', `  ipv4CIDR: ${cidr}`, ""].join("\n");

/** Files (not directories) under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function tails(): string {
  const tail = (s: string) => s.split("\n").slice(-30).join("\n");
  return [`controller:\n${tail(c.controllerLog())}`, ...[...c.agents].map(([n, a]) => `${n}:\n${tail(a.log())}`)].join("\n");
}

async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    (e as Error).message += `\n--- logs ---\n${tails()}`;
    throw e;
  }
}

// Started in a test, not a hook: uvu swallows a hook's error, and a missing prerequisite must fail the file.
T("the cluster starts (one node)", async () => {
  c = await startCluster({ nodes: ["node1"], powerOffTimeoutSeconds: POWER_OFF_S });
  group = `g${c.tag}`;
});

T.after(async () => {
  await c?.stop();
});

T("a network is applied while a slow download and a VM's power-off are both in flight", () =>
  explained(async () => {
    const files: Record<string, string> = {
      ...baseFiles(group),
      "30-disk.yaml": emptyDisk("blank"),
      "40-vm.yaml": vm(group, { id: "noos", node: "node1", disk: "blank", address: "198.19.10.21", power: "PowerOn" }),
    };
    await c.push(files, "a VM with nothing to boot");
    const running = await waitFor("the VM Running", async () => {
      const s = await c.status(nsPath("virtualmachine", "noos"));
      return s?.["state"] === "Running" && s["ready"] === true ? (s["details"]["pid"] as number) : undefined;
    }, 180_000);

    const slow = c.serveFile("/slow.raw", { body: Buffer.alloc(SLOW_BYTES), slow: { chunkBytes: 16 * KiB, chunkDelayMs: 250 } });
    const withoutVm: Record<string, string> = { ...files, "35-slow.yaml": disk(group, "slow", "node1", { url: slow.url }) };
    delete withoutVm["40-vm.yaml"];
    await c.push(withoutVm, "remove the VM, add a disk that downloads slowly", ["40-vm.yaml"]);
    await waitFor("the download started", () => slow.requests() > 0, 60_000);
    const tSlow = Date.now();
    await waitFor("the VM deleting", async () => (await c.status(nsPath("virtualmachine", "noos")))?.["state"] === "Deleting", 60_000);

    const tPush = Date.now();
    await c.push({ ...withoutVm, "50-net2.yaml": bridgeNet("net2", "198.19.20.0/24") }, "an unrelated network");
    await waitFor("net2 ready on the status branch", async () => (await c.status(nsPath("network", "net2")))?.["ready"] === true, 60_000);
    const pushToReadyMs = Date.now() - tPush;
    const slowNow = await c.status(nsPath("blockstorage", "slow"));
    const vmNow = await c.status(nsPath("virtualmachine", "noos"));
    const qemuAlive = isAlive(running);
    const elapsedSinceSlowMs = Date.now() - tSlow;

    assert.is(slowNow?.["ready"], false, "the download is still in progress");
    assert.ok(vmNow !== undefined && vmNow["state"] === "Deleting", "the VM is still being deleted");
    assert.ok(qemuAlive, "its qemu still runs (the power-off is being waited out)");
    assert.ok(elapsedSinceSlowMs < (SLOW_BYTES / (64 * KiB)) * 1000, `net2 ready ${pushToReadyMs} ms after its push, before the download could have ended`);
    assert.is(slow.requests(), 1, "one download, not restarted");
    console.log(`net2: push -> ready on the status branch ${pushToReadyMs} ms (download and power-off in flight)`);

    // Both really were in progress: they finish later, on their own.
    await waitFor("the download done", async () => (await c.status(nsPath("blockstorage", "slow")))?.["ready"] === true, 180_000);
    await waitFor("the VM gone", async () => (await c.status(nsPath("virtualmachine", "noos"))) === undefined, (POWER_OFF_S + 90) * 1000);
    assert.not.ok(isAlive(running), "qemu was stopped");
  }),
);

T("everything removed leaves no link, rule, VM or disk file on the node", () =>
  explained(async () => {
    await c.push({}, "remove everything\n\nHumops-Allow-Mass-Delete: yes\n", ["00-group.yaml", "20-network.yaml", "30-disk.yaml", "35-slow.yaml", "50-net2.yaml"]);
    await waitFor("no status file of the test left", async () => (await c.statusFiles()).every((f) => !f.includes(group)), 120_000);
    const a = c.agents.get("node1")!;
    const links = JSON.parse((await a.node.execChecked(["ip", "-j", "link", "show"])).stdout) as Array<{ ifname: string }>;
    assert.equal(links.map((l) => l.ifname).filter(isHumopsName), [], "humops links left");
    assert.not.match((await a.node.execChecked(["iptables-save"])).stdout, /humops|HUMOPS|hm-/, "iptables rules left");
    // No root-namespace leak check: this test makes no router netns, and other tests on the machine do.
    const left = ["vms", "blockstorages"].flatMap((d) => filesUnder(join(a.dataDir, d)));
    assert.equal(left, [], "disk or VM files left");
  }),
);

T.run();
