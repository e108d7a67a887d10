/**
 * The network driver on a real kernel: two namespace "nodes" on one underlay (198.18.0.0/24),
 * VXLAN in multicast and head-end-replication mode with a probe "VM" on each side pinging
 * across, VLAN, a Bridge with default_gateway (address + MASQUERADE), drift repair, orphans,
 * removal without leftovers.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { assertNoLeaks, createNode, createTopology, snapshotHost } from "../../helpers/netns.js";
import type { HostSnapshot, NodeHandle, Topology } from "../../helpers/netns.js";
import { driverContext, natRules, networkCommand } from "./net-fixture.js";

const root = new SpawnRunner();
const d = new NetworkDriver();

interface Ctx {
  before: HostSnapshot;
  topo: Topology;
  probes: NodeHandle[];
}
const N = suite<Ctx>("network driver (real kernel)");

N.before(async (c) => {
  c.before = await snapshotHost();
  c.topo = await createTopology({ nodes: ["node1", "node2"] });
  c.probes = [];
});

N.after(async (c) => {
  for (const p of c.probes ?? []) await p.cleanup();
  await c.topo?.cleanup();
});

/** Plugs a new probe namespace into `bridge` on `node`, with `cidr` on its eth0. */
async function probe(c: Ctx, node: NodeHandle, bridge: string, cidr: string): Promise<NodeHandle> {
  const p = await createNode(`p${c.probes.length}`);
  c.probes.push(p);
  const port = `prb${c.probes.length}`;
  await runChecked(root, { argv: ["ip", "-n", node.netns, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", p.netns] });
  await node.execChecked(["ip", "link", "set", port, "master", bridge, "up"]);
  await p.execChecked(["ip", "addr", "add", cidr, "dev", "eth0"]);
  await p.execChecked(["ip", "link", "set", "eth0", "up"]);
  return p;
}

async function dropProbes(c: Ctx): Promise<void> {
  for (const p of c.probes) await p.cleanup();
  c.probes = [];
}

async function humopsLinks(node: NodeHandle): Promise<string[]> {
  const r = await node.execChecked(["ip", "-j", "link", "show"]);
  return (JSON.parse(r.stdout) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => /^hm[a-z][a-z2-7]{12}$/.test(n));
}

type Env = Parameters<typeof driverContext>[1];

async function overlay(c: Ctx, env: Env, vni: string, subnet: string): Promise<void> {
  const [n1, n2] = [c.topo.node("node1"), c.topo.node("node2")];
  const type = env?.vlan ? "VLAN" : "VXLAN";
  const cmds = [n1, n2].map((n) => networkCommand(`vx${vni}`, { type, vni, cidr: `${subnet}.0/24`, peers: [c.topo.addressOf(n === n1 ? "node2" : "node1")] }));
  const res = await Promise.all([d.apply(cmds[0]!, driverContext(n1, env)), d.apply(cmds[1]!, driverContext(n2, env))]);
  for (const r of res) assert.is(r.state, "Available", JSON.stringify(r));
  const bridge = res[0]!.details["bridgeName"] as string;
  const p1 = await probe(c, n1, bridge, `${subnet}.1/24`);
  await probe(c, n2, bridge, `${subnet}.2/24`);
  const ping = await p1.exec(["ping", "-c", "3", "-W", "2", `${subnet}.2`]);
  assert.is(ping.exitCode, 0, ping.stdout + ping.stderr);
  await dropProbes(c);
  await d.remove(cmds[0]!, driverContext(n1, env));
  await d.remove(cmds[1]!, driverContext(n2, env));
  assert.equal([...(await humopsLinks(n1)), ...(await humopsLinks(n2))], []);
}

N("VXLAN multicast (group 239.0.0.1, dstport 4789): probes ping across the overlay", async (c) => {
  await overlay(c, { vxlan: { devName: "ul0", group: "239.0.0.1" } }, "100", "198.19.1");
});

N("VXLAN head-end replication: fdb entries towards the peer, probes ping across", async (c) => {
  const env = { vxlan: { devName: "ul0", mode: "static" as const } };
  const n1 = c.topo.node("node1");
  const cmd = networkCommand("vx101", { type: "VXLAN", vni: "101", cidr: "198.19.2.0/24", peers: ["198.18.0.2", "198.18.0.9"] });
  const res = await d.apply(cmd, driverContext(n1, env));
  const vx = res.details["vxlanName"] as string;
  const fdb = await n1.execChecked(["bridge", "-j", "fdb", "show", "dev", vx]);
  assert.equal((JSON.parse(fdb.stdout) as Array<{ dst?: string }>).map((e) => e.dst).filter(Boolean).sort(), ["198.18.0.2", "198.18.0.9"]);
  const link = await n1.execChecked(["ip", "-d", "-j", "link", "show", vx]);
  assert.match(link.stdout, '"port":4789');
  await d.apply(networkCommand("vx101", { type: "VXLAN", vni: "101", cidr: "198.19.2.0/24", peers: ["198.18.0.2"] }), driverContext(n1, env));
  const fdb2 = await n1.execChecked(["bridge", "-j", "fdb", "show", "dev", vx]);
  assert.equal((JSON.parse(fdb2.stdout) as Array<{ dst?: string }>).map((e) => e.dst).filter(Boolean), ["198.18.0.2"], "stale peer removed");
  await d.remove(cmd, driverContext(n1, env));
  await overlay(c, env, "101", "198.19.2");
});

N("VLAN across the underlay (or, on a kernel without 802.1Q, a coded error)", async (c) => {
  const env = { vlan: { devName: "ul0" } };
  const n1 = c.topo.node("node1");
  const support = await n1.exec(["ip", "link", "add", "link", "ul0", "name", "vlprobe", "type", "vlan", "id", "4000"]);
  await n1.exec(["ip", "link", "del", "vlprobe"]);
  if (support.exitCode === 0) {
    await overlay(c, env, "30", "198.19.3");
    return;
  }
  // This machine's kernel (6.18 "fc") is built without CONFIG_VLAN_8021Q and without bridge
  // VLAN filtering: no VLAN link can exist here, so what can be checked is that the driver says
  // so with a coded error instead of half-building the network. Nothing is skipped: the ping
  // test above runs wherever the kernel has 802.1Q. Reported in the issue note.
  console.log(`VLAN: kernel without 802.1Q (${support.stderr.trim()}); asserting the coded error instead of the ping`);
  const cmd = networkCommand("vl30", { type: "VLAN", vni: "30", cidr: "198.19.3.0/24" });
  try {
    await d.apply(cmd, driverContext(n1, env));
    assert.unreachable("should throw");
  } catch (e) {
    assert.is((e as { code?: string }).code, "UNSUPPORTED_LINK_TYPE", String(e));
  }
  await d.remove(cmd, driverContext(n1, env));
  assert.equal(await humopsLinks(n1), []);
});

N("Bridge with default_gateway: address and MASQUERADE present, drift repaired, removed with the network", async (c) => {
  const n1 = c.topo.node("node1");
  const cmd = networkCommand("br1", { type: "Bridge", vni: "1", cidr: "198.19.4.0/24", gateway: "198.19.4.1/24" });
  const res = await d.apply(cmd, driverContext(n1));
  const br = res.details["bridgeName"] as string;
  const rule = `-A HUMOPS-POSTROUTING -s 198.19.4.0/24 ! -d 198.19.4.0/24 -m comment --comment "${cmd.key}" -j MASQUERADE`;
  assert.ok((await natRules(n1)).includes(rule), (await natRules(n1)).join("\n"));
  assert.match((await n1.execChecked(["ip", "-j", "addr", "show", "dev", br])).stdout, '"local":"198.19.4.1","prefixlen":24');
  await d.apply(cmd, driverContext(n1));
  assert.is((await natRules(n1)).filter((r) => r === rule).length, 1, "no duplicate rule");
  await n1.execChecked(["ip", "link", "del", br]);
  const inv = await d.inventory(driverContext(n1), [cmd]);
  assert.is(inv.resources[0]!.state, "Pending");
  assert.is(inv.resources[0]!.reason, "NotFound");
  assert.ok(inv.resources[0]!.drift?.includes(`bridge ${br} missing`));
  assert.is((await d.apply(cmd, driverContext(n1))).state, "Available", "re-created by the next apply");
  assert.match((await n1.execChecked(["ip", "-j", "addr", "show", "dev", br])).stdout, "198.19.4.1");
  await d.remove(cmd, driverContext(n1));
  assert.not.ok((await natRules(n1)).some((r) => r.includes(cmd.key)));
  assert.equal(await humopsLinks(n1), []);
});

N("concurrent applies of gateway networks: every rule present once, one chain, one jump", async (c) => {
  const n1 = c.topo.node("node1");
  const cmds = [6, 7, 8].map((i) => networkCommand(`gw${i}`, { type: "Bridge", vni: "1", cidr: `198.19.${i}.0/24`, gateway: `198.19.${i}.1/24` }));
  await n1.exec(["iptables", "-w", "-t", "nat", "-F", "POSTROUTING"]);
  await n1.exec(["iptables", "-w", "-t", "nat", "-F", "HUMOPS-POSTROUTING"]);
  await n1.exec(["iptables", "-w", "-t", "nat", "-X", "HUMOPS-POSTROUTING"]);
  const res = await Promise.all(cmds.map((cmd) => d.apply(cmd, driverContext(n1))));
  assert.equal(res.map((r) => r.state), ["Available", "Available", "Available"]);
  const rules = await natRules(n1);
  assert.is(rules.filter((r) => r === "-A POSTROUTING -j HUMOPS-POSTROUTING").length, 1);
  assert.is(rules.filter((r) => r === ":HUMOPS-POSTROUTING - [0:0]").length, 1);
  for (const cmd of cmds) assert.is(rules.filter((r) => r.includes(`"${cmd.key}"`)).length, 1, cmd.key);
  await Promise.all(cmds.map((cmd) => d.remove(cmd, driverContext(n1))));
  assert.equal((await natRules(n1)).filter((r) => r.startsWith("-A HUMOPS-POSTROUTING")), []);
});

N("inventory: humops-named leftovers are orphans, foreign objects are ignored", async (c) => {
  const n1 = c.topo.node("node1");
  const cmd = networkCommand("br2", { type: "Bridge", vni: "1", cidr: "198.19.5.0/24" });
  await d.apply(cmd, driverContext(n1));
  await n1.execChecked(["ip", "link", "add", "hmbaaaaaaaaaaaa", "type", "bridge"]);
  await n1.execChecked(["ip", "link", "add", "foreign0", "type", "bridge"]);
  const inv = await d.inventory(driverContext(n1), [cmd]);
  assert.equal(inv.orphans, ["link hmbaaaaaaaaaaaa"]);
  assert.equal(inv.resources.map((r) => r.state), ["Available"]);
  await n1.execChecked(["ip", "link", "del", "hmbaaaaaaaaaaaa"]);
  await n1.execChecked(["ip", "link", "del", "foreign0"]);
  await d.remove(cmd, driverContext(n1));
});

N("leak guard: nothing of this test left in the root namespace", async (c) => {
  await c.topo.cleanup();
  await assertNoLeaks(c.before);
});

N.run();
