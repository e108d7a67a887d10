/**
 * nodectl with a VM and a router (issue #8): a bridge network, a Local disk over the tiny
 * guest, a qemu VM under TCG on that network and a virtual router with a NIC on it, all applied
 * by the real drivers on a netns node. ls, inspect (qemu pid and command line, taps, the
 * router's namespace and nat rules) and console name the right objects; with the agent stopped
 * and the qemu killed by hand, ls and drift show the VM as not agreeing.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RouterDriver } from "../../../node-agent/net/router-driver.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { bridgeName, routerNetnsName, tapName } from "../../../schemas/host-names.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";
import { buildTinyGuest } from "../../helpers/tiny-guest.js";
import { assertNoLeaks, createNode, snapshotHost, type HostSnapshot, type NodeHandle } from "../../helpers/netns.js";
import { GROUP, nodectl, prepareBareNode, removeDir, startAgentSocket, writeStateFiles, type NodectlNode } from "./node-fixture.js";

const base = (apiType: ResourceCommand["apiType"], id: string, spec: Record<string, unknown>, context: Record<string, unknown> = {}, annotations: Record<string, string> = {}): ResourceCommand => ({
  key: `${apiType}/${GROUP}/ns1/${id}`, apiType, id, group: GROUP, namespace: "ns1", annotations, spec, generation: 1, context,
});
const net = base("systemv0/network", "vnet", { id: "1", ipv4CIDR: "198.18.10.0/24" }, {}, { "networkv0/network_type": "Bridge", "networkv0/default_gateway": "198.18.10.254/24" });
const router = base("systemv0/virtualrouter", "vr1", { externalGateway: "203.0.113.254", natGatewayIP: "203.0.113.2", externalIPs: [], nics: [{ networkID: "vnet", ipv4Address: "198.18.10.253/24" }] }, {
  externalBridge: "exbr", externalPrefix: 24, externalIPs: [], networks: { vnet: { group: GROUP, namespace: "ns1", ipv4CIDR: "198.18.10.0/24" } },
});
const BR = bridgeName(GROUP, "ns1", "vnet");
const TAP = tapName(GROUP, "ns1", "vm1", 0);
const RNS = routerNetnsName(GROUP, "ns1", "vr1");

interface Ctx {
  before: HostSnapshot;
  node: NodeHandle;
  n: NodectlNode;
  cmds: ResourceCommand[];
  pid: number;
}
const T = suite<Ctx>("nodectl with a VM and a router");

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !check()) await new Promise((r) => setTimeout(r, 250));
  return check();
}

T.before(async (c) => {
  c.before = await snapshotHost();
  const guest = await buildTinyGuest();
  c.node = await createNode("nvm");
  c.n = await prepareBareNode(c.node, "nats://127.0.0.1:1");
  await c.node.execChecked(["ip", "link", "add", "exbr", "type", "bridge"]);
  await c.node.execChecked(["ip", "link", "set", "exbr", "up"]);
  const diskDir = join(c.n.target.env.blockStorageDir, GROUP, "ns1");
  await c.node.execChecked(["mkdir", "-p", diskDir]);
  await runChecked(c.node.runner, { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", guest.diskPath, join(diskDir, "bs1.qcow2")] });
  const size = JSON.parse((await runChecked(c.node.runner, { argv: ["qemu-img", "info", "--output=json", join(diskDir, "bs1.qcow2")] })).stdout)["virtual-size"] as number;
  const disk = base("systemv0/blockstorage", "bs1", { limitSize: `${size / 1024 / 1024}M` });
  const vm = base("systemv0/virtualmachine", "vm1", {
    requestVcpus: "1000m", limitVcpus: "1000m", requestMemory: "256M", limitMemory: "256M", blockStorageIDs: ["bs1"], actionState: "PowerOn",
    nics: [{ networkID: "vnet", ipv4Address: "198.18.10.5", defaultGateway: "198.18.10.253" }],
  }, { disks: [{ blockStorageID: "bs1", path: join(diskDir, "bs1.qcow2"), format: "qcow2" }], networks: { vnet: { ipv4CIDR: "198.18.10.0/24" } } });
  await new NetworkDriver().apply(net, c.n.ctx);
  await new BlockStorageDriver().apply(disk, c.n.ctx);
  await new RouterDriver().apply(router, c.n.ctx);
  const started = await new VmDriver({ accelerator: "tcg" }).apply(vm, c.n.ctx);
  c.pid = started.details["pid"] as number;
  c.cmds = [net, disk, router, vm];
  writeStateFiles(c.n.target, c.cmds);
  await startAgentSocket(c.n, "nats://127.0.0.1:1", c.cmds);
});

T.after(async (c) => {
  await c.n?.agent?.close();
  const vm = c.cmds?.find((x) => x.apiType === "systemv0/virtualmachine");
  if (vm) await new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 1000 }).remove(vm, c.n.ctx).catch(() => undefined);
  if (c.n) await new RouterDriver().remove(router, c.n.ctx).catch(() => undefined);
  await c.node?.cleanup();
  removeDir(c.n);
  await assertNoLeaks(c.before);
});

T("ls: network, disk, router and VM agree (the VM Running)", async (c) => {
  const r = await nodectl(c.n, ["ls", "-o", "json"]);
  assert.is(r.code, 0, r.err);
  const rows = r.json.resources as Array<{ id: string; observedState: string; agree: boolean; drift: string[] }>;
  assert.equal(rows.map((x) => [x.id, x.observedState, x.agree]), [["bs1", "Used", true], ["vnet", "Available", true], ["vm1", "Running", true], ["vr1", "Running", true]], JSON.stringify(rows));
});

T("inspect vm: qemu pid and its command line from /proc, the tap on the bridge, the console log", async (c) => {
  const r = await nodectl(c.n, ["inspect", "vm", "vm1", "-o", "json"]);
  assert.is(r.code, 0, r.err);
  const objs = r.json.hostObjects as Array<{ type: string; name: string; exists: boolean; live: Record<string, unknown> }>;
  const proc = objs.find((o) => o.type === "process")!;
  assert.equal([proc.exists, proc.live["pid"]], [true, c.pid]);
  const argv = proc.live["cmdline"] as string[];
  assert.match(argv[0]!, "qemu-system-x86_64");
  assert.ok(argv.some((a) => a.includes(TAP)), argv.join(" "));
  const tap = objs.find((o) => o.type === "tap")!;
  assert.equal([tap.name, tap.exists, tap.live["master"]], [TAP, true, BR]);
  assert.ok(objs.some((o) => o.type === "file" && o.name.endsWith("console.log") && o.exists));
  assert.match((await nodectl(c.n, ["inspect", "virtualmachine", `${GROUP}/ns1/vm1`])).out, `qemu pid ${c.pid}`);
});

T("inspect router: its namespace, veths and SNAT rule", async (c) => {
  const r = await nodectl(c.n, ["inspect", "router", "vr1", "-o", "json"]);
  assert.is(r.code, 0, r.err);
  const objs = r.json.hostObjects as Array<{ type: string; name: string; exists: boolean; live: Record<string, unknown> }>;
  assert.equal(objs.filter((o) => o.type === "netns").map((o) => [o.name, o.exists]), [[RNS, true]]);
  assert.is(objs.filter((o) => o.type === "veth" && o.exists).length, 2);
  assert.ok(objs.some((o) => o.type === "nat-rule" && o.name.includes("203.0.113.2")), JSON.stringify(objs.filter((o) => o.type === "nat-rule")));
});

T("console: the guest's serial log", async (c) => {
  const log = join(c.n.target.env.dataDir, "vms");
  assert.ok(existsSync(log));
  const r0 = await nodectl(c.n, ["console", "vm1", "-o", "json"]);
  const path = r0.json.consoleLog as string;
  assert.ok(await waitFor(() => readFileSync(path, "latin1").includes("humops-guest: ready"), 90_000), "guest came up");
  const r = await nodectl(c.n, ["console", "vm1"]);
  assert.match(r.out, "humops-guest: ready");
});

T("agent stopped and qemu killed by hand: ls and drift show the VM stopped against PowerOn", async (c) => {
  await c.n.agent!.close();
  process.kill(c.pid, "SIGKILL");
  await waitFor(() => !existsSync(`/proc/${c.pid}`) || readFileSync(`/proc/${c.pid}/stat`, "utf8").includes(") Z"), 5000);
  const ls = await nodectl(c.n, ["ls", "vm", "-o", "json"]);
  assert.equal(ls.json.resources.map((x: { observedState: string; agree: boolean; reason: string }) => [x.observedState, x.agree, x.reason]), [["Stopped", false, "GuestShutdown"]]);
  const d = await nodectl(c.n, ["drift", "-o", "json"]);
  assert.is(d.code, 1);
  const vm = d.json.drift.find((x: { key: string }) => x.key.endsWith("/vm1"));
  assert.ok(vm.problems.includes("qemu process not running"), vm.problems.join("; "));
  assert.equal(d.json.drift.length, 1, JSON.stringify(d.json.drift));
  const st = await nodectl(c.n, ["status", "-o", "json"]);
  assert.equal([st.json.agent.reachable, st.json.allocated], [false, { vcpus: 1, memoryBytes: 256 * 1024 * 1024 }]);
  assert.equal(st.json.resources["systemv0/virtualmachine"], { Stopped: 1 });
});

T.run();
