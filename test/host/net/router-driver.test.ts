/**
 * The router driver on a real kernel: a node namespace with an external bridge wired to an
 * "internet" namespace (203.0.113.0/24), a Bridge network with two probe "VMs", and a router
 * with two external IPs, SNAT and a port forward. Checks traffic both ways, exact convergence
 * of the nat table, in-place updates and a removal that leaves nothing behind.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { RouterDriver } from "../../../node-agent/net/router-driver.js";
import { routerNetns } from "../../../node-agent/net/router-model.js";
import { assertNoLeaks, createNode, snapshotHost } from "../../helpers/netns.js";
import type { HostSnapshot, NodeHandle } from "../../helpers/netns.js";
import { deleteNetnsSync, onExitCleanup } from "../../helpers/exit-cleanup.js";
import { askEcho, driverContext, GROUP, natRules, networkCommand, routerCommand, startEcho } from "./net-fixture.js";

const root = new SpawnRunner();
const net1 = networkCommand("net1", { type: "Bridge", vni: "1", cidr: "198.19.0.0/24" });
const spec = {
  externalGateway: "203.0.113.254",
  natGatewayIP: "203.0.113.2",
  externalIPs: [
    { externalIPID: "eip1", bindInternalIPv4Address: "198.19.0.10" },
    { externalIPID: "eip2", bindInternalIPv4Address: "198.19.0.12" },
  ],
  nics: [{ networkID: "net1", ipv4Address: "198.19.0.254/24" }],
  dnatRules: [{ destPort: 8080, toDestAddress: "198.19.0.11", toDestPort: 7000 }],
};
const context = {
  externalBridge: "exbr",
  externalPrefix: 24,
  externalIPs: [
    { externalIPID: "eip1", address: "203.0.113.10", prefix: 24, bindInternalIPv4Address: "198.19.0.10" },
    { externalIPID: "eip2", address: "203.0.113.11", prefix: 24, bindInternalIPv4Address: "198.19.0.12" },
  ],
  networks: { net1: { group: GROUP, namespace: "ns1", ipv4CIDR: "198.19.0.0/24" } },
};
const vr1 = routerCommand("vr1", spec, context);
const rns = routerNetns(vr1);

interface Ctx {
  before: HostSnapshot;
  node: NodeHandle;
  inet: NodeHandle;
  vms: NodeHandle[];
  stops: Array<() => void>;
  release: () => void;
}
const R = suite<Ctx>("router driver (real kernel)");

async function plug(node: NodeHandle, port: string, other: NodeHandle, cidr: string, via?: string): Promise<void> {
  await runChecked(root, { argv: ["ip", "-n", node.netns, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", other.netns] });
  await other.execChecked(["ip", "addr", "add", cidr, "dev", "eth0"]);
  await other.execChecked(["ip", "link", "set", "eth0", "up"]);
  if (via) await other.execChecked(["ip", "route", "add", "default", "via", via]);
}

R.before(async (c) => {
  c.before = await snapshotHost();
  c.release = onExitCleanup(() => deleteNetnsSync(rns));
  c.node = await createNode("node1");
  c.inet = await createNode("inet");
  c.vms = [await createNode("vm1"), await createNode("vm2")];
  c.stops = [];
  await c.node.execChecked(["ip", "link", "add", "exbr", "type", "bridge"]);
  await c.node.execChecked(["ip", "link", "set", "exbr", "up"]);
  await plug(c.node, "upl", c.inet, "203.0.113.254/24");
  await c.node.execChecked(["ip", "link", "set", "upl", "master", "exbr", "up"]);
  await new NetworkDriver().apply(net1, driverContext(c.node));
  const bridge = (await new NetworkDriver().apply(net1, driverContext(c.node))).details["bridgeName"] as string;
  for (const [i, vm] of c.vms.entries()) {
    await plug(c.node, `vmp${i}`, vm, `198.19.0.${10 + i}/24`, "198.19.0.254");
    await c.node.execChecked(["ip", "link", "set", `vmp${i}`, "master", bridge, "up"]);
    c.stops.push((await startEcho(vm.netns, vm.name, 7000)).stop);
  }
  c.stops.push((await startEcho(c.inet.netns, "inet", 7000)).stop);
});

R.after(async (c) => {
  for (const stop of c.stops ?? []) stop();
  for (const n of [...(c.vms ?? []), c.inet, c.node]) await n?.cleanup();
  deleteNetnsSync(rns);
  c.release?.();
});

R("refuses a missing external bridge with a clear reason", async (c) => {
  const bad = routerCommand("vr1", spec, { ...context, externalBridge: "exBr" });
  try {
    await new RouterDriver().apply(bad, driverContext(c.node));
    assert.unreachable("should throw");
  } catch (e) {
    assert.is((e as { code?: string }).code, "MISSING_DEVICE");
    assert.match((e as Error).message, "external bridge exBr not found on node node1; create it or fix the pool's bridgeName");
  }
});

R("apply: router is Running, external IPs DNAT in and SNAT out, natGatewayIP SNAT, port forward", async (c) => {
  const fwd = async (): Promise<string> => (await c.node.execChecked(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim();
  const nodeForward = await fwd();
  const res = await new RouterDriver().apply(vr1, driverContext(c.node));
  assert.is(await fwd(), nodeForward, "ip_forward of the node untouched");
  assert.is((await c.node.execChecked(["ip", "netns", "exec", rns, "sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim(), "1");
  assert.is(res.state, "Running", JSON.stringify(res.drift));
  assert.equal(res.drift, undefined);
  const ping = await c.inet.exec(["ping", "-c", "3", "-W", "2", "203.0.113.10"]);
  assert.is(ping.exitCode, 0, ping.stdout + ping.stderr);
  assert.is(await askEcho(c.inet, "203.0.113.10", 7000), "vm1 203.0.113.254", "DNAT to the bound internal address");
  assert.is(await askEcho(c.vms[0]!, "203.0.113.254", 7000), "inet 203.0.113.10", "1:1 SNAT back to the external IP");
  assert.is(await askEcho(c.vms[1]!, "203.0.113.254", 7000), "inet 203.0.113.2", "SNAT with natGatewayIP");
  assert.is(await askEcho(c.inet, "203.0.113.2", 8080), "vm2 203.0.113.254", "TCP port forward");
});

R("re-apply twice: nat table identical, no duplicate rule, nothing to change", async (c) => {
  const d = new RouterDriver();
  const first = await natRules(c.node, rns);
  await d.apply(vr1, driverContext(c.node));
  await d.apply(vr1, driverContext(c.node));
  const again = await natRules(c.node, rns);
  assert.equal(again, first);
  assert.is(new Set(again).size, again.length);
  const inv = await d.inventory(driverContext(c.node), [vr1]);
  assert.equal(inv.resources.map((r) => [r.state, r.drift]), [["Running", undefined]]);
  assert.equal(inv.orphans, []);
});

R("drift by hand (address removed, rule flushed) is reported and repaired", async (c) => {
  const d = new RouterDriver();
  await c.node.execChecked(["ip", "-n", rns, "addr", "del", "203.0.113.11/24", "dev", "ext0"]);
  await c.node.execChecked(["ip", "netns", "exec", rns, "iptables", "-w", "-t", "nat", "-F", "POSTROUTING"]);
  const inv = await d.inventory(driverContext(c.node), [vr1]);
  assert.is(inv.resources[0]!.state, "Pending");
  assert.ok(inv.resources[0]!.drift?.includes("address 203.0.113.11/24 on ext0 missing"), JSON.stringify(inv.resources[0]!.drift));
  assert.ok(inv.resources[0]!.drift?.some((x) => x.startsWith("nat table of")));
  assert.is((await d.apply(vr1, driverContext(c.node))).state, "Running");
  assert.is(await askEcho(c.vms[1]!, "203.0.113.254", 7000), "inet 203.0.113.2");
});

R("update in place: external IP eip2 removed, its address and rules go", async (c) => {
  const d = new RouterDriver();
  const spec2 = { ...spec, externalIPs: spec.externalIPs.slice(0, 1) };
  const ctx2 = { ...context, externalIPs: context.externalIPs.slice(0, 1) };
  const res = await d.apply(routerCommand("vr1", spec2, ctx2, 2), driverContext(c.node));
  assert.is(res.state, "Running");
  const addrs = await c.node.execChecked(["ip", "-n", rns, "-j", "addr", "show", "dev", "ext0"]);
  assert.not.match(addrs.stdout, "203.0.113.11");
  assert.match(addrs.stdout, "203.0.113.10");
  const rules = await natRules(c.node, rns);
  assert.not.ok(rules.some((r) => r.includes("203.0.113.11")), rules.join("\n"));
  assert.is(await askEcho(c.inet, "203.0.113.10", 7000), "vm1 203.0.113.254");
});

R("update in place: a NIC on a second network added, then removed with its veth", async (c) => {
  const d = new RouterDriver();
  const nd = new NetworkDriver();
  const net2 = networkCommand("net2", { type: "Bridge", vni: "1", cidr: "198.19.7.0/24" });
  const br2 = (await nd.apply(net2, driverContext(c.node))).details["bridgeName"] as string;
  const spec3 = { ...spec, externalIPs: spec.externalIPs.slice(0, 1), nics: [...spec.nics, { networkID: "net2", ipv4Address: "198.19.7.254/24" }] };
  const ctx3 = { ...context, externalIPs: context.externalIPs.slice(0, 1), networks: { ...context.networks, net2: { group: GROUP, namespace: "ns1", ipv4CIDR: "198.19.7.0/24" } } };
  const res = await d.apply(routerCommand("vr1", spec3, ctx3, 3), driverContext(c.node));
  assert.is(res.state, "Running", JSON.stringify(res.drift));
  const ports = async (): Promise<string[]> => (JSON.parse((await c.node.execChecked(["ip", "-j", "link", "show", "master", br2])).stdout) as Array<{ ifname: string }>).map((l) => l.ifname);
  assert.is((await ports()).length, 1);
  assert.ok((await natRules(c.node, rns)).some((r) => r.includes("198.19.7.0/24")));
  const back = await d.apply(routerCommand("vr1", { ...spec, externalIPs: spec.externalIPs.slice(0, 1) }, { ...context, externalIPs: context.externalIPs.slice(0, 1) }, 4), driverContext(c.node));
  assert.is(back.state, "Running");
  assert.equal(await ports(), []);
  assert.not.ok((await natRules(c.node, rns)).some((r) => r.includes("198.19.7.0/24")));
  await nd.remove(net2, driverContext(c.node));
});

R("inventory without the router's command: its namespace and veths are orphans", async (c) => {
  const inv = await new RouterDriver().inventory(driverContext(c.node), []);
  assert.ok(inv.orphans.includes(`netns ${rns}`), JSON.stringify(inv.orphans));
  assert.is(inv.orphans.filter((o) => /^link hm[en]/.test(o)).length, 2, JSON.stringify(inv.orphans));
});

R("remove: no netns, veth, address or rule of the router is left", async (c) => {
  const d = new RouterDriver();
  await d.remove(vr1, driverContext(c.node));
  await d.remove(vr1, driverContext(c.node));
  const ns = await c.node.execChecked(["ip", "netns", "list"]);
  assert.not.match(ns.stdout, rns);
  const links = await c.node.execChecked(["ip", "-j", "link", "show"]);
  assert.not.match(links.stdout, /"hm[en][a-z2-7]{12}"/);
  const inv = await d.inventory(driverContext(c.node), []);
  assert.equal(inv.orphans, []);
  await new NetworkDriver().remove(net1, driverContext(c.node));
  assert.not.match((await c.node.execChecked(["ip", "-j", "link", "show"])).stdout, /"hm[a-z][a-z2-7]{12}"/);
});

R("leak guard: nothing of this test left in the root namespace", async (c) => {
  for (const stop of c.stops) stop();
  c.stops = [];
  for (const n of [...c.vms, c.inet, c.node]) await n.cleanup();
  await assertNoLeaks(c.before);
});

R.run();
