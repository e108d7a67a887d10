// Issue #11, for real: a network, a router, a small empty disk and a VM (tiny guest under qemu
// TCG) are deleted (manifests removed, pushed) and declared again, with the same spec and with a
// changed one, with and without restarting the `humops controller` process in between. The real
// controller and `humops agent` processes (agent in a node netns) over a real nats-server and a
// git http-backend (test/helpers/e2e-cluster.ts). Each must be created again within 60 s, and
// the status branch, polled every 500 ms all along, must never name a qemu pid that is not a
// live qemu, nor a bridge, router netns or disk file that does not exist on the node. Before
// the fix, the re-declared VM after a restart was answered as a `duplicate` and showed the old
// pid for about two minutes.
/**
 * Shared by redeclare-real.test.ts (no restart) and redeclare-real-restart.test.ts: one file
 * with all four cycles came close to the runner's per-file limit on a loaded machine.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isHumopsName, routerNetnsName } from "../../../schemas/host-names.js";
import { startCluster, waitFor, withClusterLogs, type E2eCluster } from "../../helpers/e2e-cluster.js";
import { baseFiles, disk, NET, vm } from "../../e2e/scenario.js";

const BRIDGE = "hmextbr";
const RECREATE_MS = 60_000;
let c: E2eCluster;
let group: string;
/** The manifests commit last pushed: a status file written for it must be true at once. */
let latestSha = "";
const violations: string[] = [];
const figures: Array<{ cycle: string; recreateMs: number }> = [];
let sampler: NodeJS.Timeout | undefined;
let sampling: Promise<void> = Promise.resolve();

const SUBJECTS = ["30-net2.yaml", "31-router.yaml", "32-dempty.yaml", "33-vm.yaml"] as const;
const paths = () => ({
  net2: `groups/${group}/namespaces/ns1/network/net2.yaml`,
  vr1: `groups/${group}/namespaces/ns1/virtualrouter/vr1.yaml`,
  dempty: `groups/${group}/namespaces/ns1/blockstorage/dempty.yaml`,
  vm1: `groups/${group}/namespaces/ns1/virtualmachine/vm1.yaml`,
});

const meta = (apiType: string, id: string, annotations?: Record<string, string>): string[] => [
  "meta:", `  apiType: ${apiType}`, `  id: ${id}`, `  group: ${group}`, "  namespace: ns1",
  ...(annotations ? ["  annotations:", ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${v}`)] : []),
];

/** Every manifest; `changed` alters each subject's spec. */
function files(changed: boolean): Record<string, string> {
  const base = baseFiles(group);
  return {
    ...base,
    "10-external.yaml": [
      "meta:", "  apiType: corev0/externalippool", `  id: pool${group}`, "spec:", "  ipv4CIDR: 203.0.113.0/24", `  bridgeName: ${BRIDGE}`, `  defaultGateway: ${NET.externalGateway}`,
      "---", ...meta("corev0/externalip", "eip1"), "spec:", `  poolID: pool${group}`, `  ipv4Address: ${NET.externalIP}`, "  ipv4Prefix: 24", "",
    ].join("\n"),
    "21-boot.yaml": disk(group, "boot", "node1", { url: c.imageUrl }),
    "30-net2.yaml": [...meta("systemv0/network", "net2", { "networkv0/network_type": "VXLAN" }), "spec:", '  id: "4200"', `  ipv4CIDR: ${changed ? "198.19.21.0/24" : "198.19.20.0/24"}`, ""].join("\n"),
    "31-router.yaml": [
      ...meta("systemv0/virtualrouter", "vr1", { "virtualrouterv0/node_name": "node1" }), "spec:", `  externalGateway: ${NET.externalGateway}`,
      "  externalIPs:", "    - externalIPID: eip1", `      bindInternalIPv4Address: ${NET.vmA}`,
      `  natGatewayIP: ${changed ? "203.0.113.3" : NET.natGatewayIP}`, "  nics:", "    - networkID: net1", `      ipv4Address: ${NET.gateway}/24`, "",
    ].join("\n"),
    "32-dempty.yaml": [
      ...meta("systemv0/blockstorage", "dempty", { "blockstoragev0/node_name": "node1", "blockstoragev0/type": "Local" }), "spec:",
      `  requestSize: ${changed ? "32M" : "16M"}`, `  limitSize: ${changed ? "32M" : "16M"}`, "  from:", "    type: Empty", "",
    ].join("\n"),
    "33-vm.yaml": vm(group, { id: "vm1", node: "node1", disk: "boot", address: NET.vmA, power: "PowerOn", memory: changed ? "160M" : "128M" }),
  };
}

const node1 = () => c.agents.get("node1")!.node;

/** Files (not directories) under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function isLiveQemu(pid: unknown): boolean {
  if (typeof pid !== "number") return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("qemu-system");
  } catch {
    return false;
  }
}

/** Checks what the current status files name against the host (see the file header). */
async function sample(): Promise<void> {
  const p = paths();
  const sha = latestSha;
  const [net2, vr1, dempty, vm1] = await Promise.all([c.status(p.net2), c.status(p.vr1), c.status(p.dempty), c.status(p.vm1)]);
  // A file written for an older manifests commit is stale by definition (the round for the
  // newest has not ended); one written for the newest must be true now.
  const current = (s: Record<string, any> | undefined) => s !== undefined && s["observedCommit"] === sha && s["state"] !== "Deleting";
  if (vm1 !== undefined && vm1["details"]?.["pid"] !== undefined && !isLiveQemu(vm1["details"]["pid"])) {
    // Any file, stale or not, naming a dead pid while the VM is declared (re-created) is the bug.
    if (current(vm1)) violations.push(`vm1 names pid ${vm1["details"]["pid"]}, not a live qemu (state ${vm1["state"]}, commit ${sha.slice(0, 8)})`);
  }
  if (current(dempty) && typeof dempty!["details"]?.["location"] === "string" && !existsSync(dempty!["details"]["location"])) violations.push(`dempty names ${dempty!["details"]["location"]}, which does not exist`);
  if (current(net2) && typeof net2!["details"]?.["bridgeName"] === "string") {
    const r = await node1().exec(["ip", "link", "show", "dev", net2!["details"]["bridgeName"]]);
    if (r.exitCode !== 0 && (await c.status(p.net2))?.["observedCommit"] === sha) violations.push(`net2 names bridge ${net2!["details"]["bridgeName"]}, which does not exist`);
  }
  if (current(vr1) && typeof vr1!["details"]?.["netns"] === "string") {
    const list = execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    if (!list.split("\n").some((l) => l.split(" ")[0] === vr1!["details"]["netns"]) && (await c.status(p.vr1))?.["observedCommit"] === sha) violations.push(`vr1 names netns ${vr1!["details"]["netns"]}, which does not exist`);
  }
}

function startSampling(): void {
  sampler = setInterval(() => {
    sampling = sampling.then(sample).catch((e: unknown) => void violations.push(`sampling failed: ${String(e)}`));
  }, 500);
}

async function allReady(): Promise<boolean> {
  const p = paths();
  const all = await Promise.all(Object.values(p).map((x) => c.status(x)));
  const vm1 = all[3];
  return all.every((s) => s?.["ready"] === true && s["observedCommit"] === latestSha) && vm1?.["state"] === "Running" && isLiveQemu(vm1["details"]?.["pid"]);
}

async function allGone(): Promise<boolean> {
  const all = await Promise.all(Object.values(paths()).map((x) => c.status(x)));
  return all.every((s) => s === undefined);
}

async function push(f: Record<string, string>, message: string, remove: readonly string[] = []): Promise<void> {
  latestSha = await c.push(f, message, remove);
}

/** Runs `fn`, adding the last log lines of every process to its error. */
function explained<T>(fn: () => Promise<T>): Promise<T> {
  return withClusterLogs(c, fn, 30);
}

/**
 * The suite: start a one-node cluster, declare everything, then run each delete/declare-again
 * cycle of `cycles`, then remove everything and check nothing is left.
 */
export function runRedeclareSuite(name: string, cycles: ReadonlyArray<readonly [restart: boolean, changed: boolean]>): void {
  const T = suite(name);
  // Started in a test, not a hook: uvu swallows a hook's error, and a missing prerequisite must fail.
  T("the cluster starts and creates a network, a router, an empty disk and a running VM", () =>
    explained(async () => {
      c = await startCluster({ nodes: ["node1"], externalBridge: BRIDGE });
      group = `g${c.tag}`;
      startSampling();
      await push(files(false), "redeclare: first declaration");
      await waitFor("everything ready, the VM running", allReady, 240_000);
    }),
  );

  for (const [restart, changed] of cycles) {
    const cycle = `${restart ? "restart, " : ""}${changed ? "changed" : "same"} spec`;
    T(`delete, ${restart ? "restart the controller, " : ""}declare again with ${changed ? "a changed" : "the same"} spec: created again within 60 s, never a dead pid`, () =>
      explained(async () => {
        const pid = (await c.status(paths().vm1))!["details"]["pid"] as number;
        const kept = Object.fromEntries(Object.entries(files(changed)).filter(([k]) => !(SUBJECTS as readonly string[]).includes(k)));
        await push(kept, `redeclare: delete (${cycle})`, SUBJECTS);
        await waitFor("the four status files gone", allGone, 120_000);
        await waitFor(`qemu ${pid} gone`, () => !isLiveQemu(pid), 30_000);
        if (restart) await c.restartController();
        const t0 = Date.now();
        await push(files(changed), `redeclare: declare again (${cycle})`);
        await waitFor("everything ready again, the VM running", allReady, RECREATE_MS);
        figures.push({ cycle, recreateMs: Date.now() - t0 });
        const now = await c.status(paths().vm1);
        assert.is.not(now!["details"]["pid"], pid);
        assert.is((await c.status(paths().dempty))!["details"]["virtualSizeBytes"], (changed ? 32 : 16) * 1024 ** 2);
        await sampling;
        assert.equal(violations, []);
        assert.not.match(c.agents.get("node1")!.log(), /"event":"duplicate"/);
      }),
    );
  }

  T("removing everything leaves no qemu, link, netns or disk file; the figures", () =>
    explained(async () => {
      clearInterval(sampler);
      await sampling;
      assert.equal(violations, []);
      const pid = (await c.status(paths().vm1))!["details"]["pid"] as number;
      await push({}, "redeclare: remove everything\n\nHumops-Allow-Mass-Delete: yes", Object.keys(files(false)));
      await waitFor("no status file of the test left", async () => (await c.statusFiles()).filter((f) => f.includes(group)).length === 0, 120_000);
      await waitFor(`qemu ${pid} gone`, () => !isLiveQemu(pid), 30_000);
      // Only what this test made is checked: other engineers' tests create netns on this
      // machine meanwhile (router netns names are hashes, they carry no test tag).
      const links = JSON.parse((await node1().execChecked(["ip", "-j", "link", "show"])).stdout) as Array<{ ifname: string }>;
      assert.equal(links.map((l) => l.ifname).filter(isHumopsName), [], "humops links (taps, bridges, vxlan, veths) left on node1");
      const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      assert.not.ok(netns.split("\n").some((l) => l.split(" ")[0] === routerNetnsName(group, "ns1", "vr1")), "the router's netns left");
      const dataDir = c.agents.get("node1")!.dataDir;
      const left = ["vms", "blockstorages"].flatMap((d) => filesUnder(join(dataDir, d)));
      assert.equal(left, [], "VM or disk files left");
      console.log(JSON.stringify({ recreateFigures: figures }));
    }),
  );

  T.after(async () => {
    clearInterval(sampler);
    await sampling.catch(() => undefined);
    await c?.stop();
  });
  T.run();
}
