/**
 * The VLAN part of the network driver tests, run inside a guest with Debian's kernel (802.1Q as
 * module 8021q) by vlan-real-kernel.test.ts; not a test file itself (this machine's kernel has
 * no 802.1Q). Two namespace "nodes" joined by a veth underlay (ul0), each applying VLAN network
 * id 100 on ul0 with the product's NetworkDriver and SpawnRunner, a probe namespace "VM" plugged
 * into each bridge by a veth (standing in for the tap), ping across, a VLAN id mismatch that
 * must not pass traffic, then removal. Prints one `ok NAME` or `not ok NAME: DETAIL` line per
 * assertion and `vlan-inner: done N failed` last; exits 1 when anything failed.
 */
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { createNode, linkNodes } from "../../helpers/netns.js";
import type { NodeHandle } from "../../helpers/netns.js";
import { driverContext, networkCommand } from "./net-fixture.js";

const root = new SpawnRunner();
const d = new NetworkDriver();
const env = { vlan: { devName: "ul0" } };
let failed = 0;

function check(name: string, ok: boolean, detail = ""): void {
  if (!ok) failed++;
  console.log(ok ? `ok ${name}` : `not ok ${name}: ${detail.replace(/\s+/g, " ").trim()}`);
}

async function probe(node: NodeHandle, name: string, bridge: string, cidr: string): Promise<NodeHandle> {
  const p = await createNode(name);
  await runChecked(root, { argv: ["ip", "-n", node.netns, "link", "add", `prb${name}`, "type", "veth", "peer", "name", "eth0", "netns", p.netns] });
  await node.execChecked(["ip", "link", "set", `prb${name}`, "master", bridge, "up"]);
  await p.execChecked(["ip", "addr", "add", cidr, "dev", "eth0"]);
  await p.execChecked(["ip", "link", "set", "eth0", "up"]);
  return p;
}

async function humopsLinks(node: NodeHandle): Promise<string[]> {
  const r = await node.execChecked(["ip", "-j", "link", "show"]);
  return (JSON.parse(r.stdout) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => /^hm[a-z][a-z2-7]{12}$/.test(n));
}

interface LinkJson { ifname: string; master?: string; link?: string; linkinfo?: { info_kind?: string; info_data?: { id?: number; protocol?: string } } }

async function linkOf(node: NodeHandle, dev: string): Promise<LinkJson | undefined> {
  const r = await node.exec(["ip", "-d", "-j", "link", "show", dev]);
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as LinkJson[])[0] : undefined;
}

async function main(nodes: NodeHandle[]): Promise<void> {
  const uname = await root.run({ argv: ["uname", "-r"] });
  console.log(`vlan-inner: kernel ${uname.stdout.trim()}`);
  const [n1, n2] = [await createNode("node1"), await createNode("node2")];
  nodes.push(n1, n2);
  await linkNodes(n1, n2, { addrA: "198.18.0.1", addrB: "198.18.0.2", prefix: 24 });
  const cmds = [n1, n2].map(() => networkCommand("vl100", { type: "VLAN", vni: "100", cidr: "198.19.3.0/24" }));
  const res = await Promise.all([d.apply(cmds[0]!, driverContext(n1, env)), d.apply(cmds[1]!, driverContext(n2, env))]);
  check("apply on both nodes: Available", res.every((r) => r.state === "Available"), JSON.stringify(res));
  const bridge = res[0]!.details["bridgeName"] as string;
  const vlan = res[0]!.details["vlanName"] as string;
  for (const n of [n1, n2]) {
    const l = await linkOf(n, vlan);
    const info = l?.linkinfo;
    const ok = info?.info_kind === "vlan" && info.info_data?.id === 100 && info.info_data.protocol === "802.1Q" && l?.link === "ul0" && l.master === bridge;
    check(`${n.name}: ${vlan} is an 802.1Q link id 100 on ul0 in ${bridge}`, ok, JSON.stringify(l));
  }
  const again = await d.apply(cmds[0]!, driverContext(n1, env));
  check("re-apply is Available without drift", again.state === "Available" && again.drift === undefined, JSON.stringify(again));
  const p1 = await probe(n1, "p1", bridge, "198.19.3.1/24");
  nodes.push(p1);
  nodes.push(await probe(n2, "p2", bridge, "198.19.3.2/24"));
  const ping = await p1.exec(["ping", "-c", "3", "-W", "2", "198.19.3.2"]);
  check("VM on node1 pings VM on node2 across VLAN 100", ping.exitCode === 0, ping.stdout + ping.stderr);
  await mismatch(n2, p1, cmds[1]!, bridge);
  await d.remove(cmds[0]!, driverContext(n1, env));
  await d.remove(cmds[1]!, driverContext(n2, env));
  const left = [...(await humopsLinks(n1)), ...(await humopsLinks(n2))];
  check("removal leaves no humops link on either node", left.length === 0, left.join(" "));
  check("removal keeps the underlay ul0", (await linkOf(n1, "ul0")) !== undefined && (await linkOf(n2, "ul0")) !== undefined);
}

/** node2 carries the network on VLAN 101 instead: the tag is real, so node1's VM no longer reaches it. */
async function mismatch(n2: NodeHandle, p1: NodeHandle, cmd100: ReturnType<typeof networkCommand>, bridge: string): Promise<void> {
  await d.remove(cmd100, driverContext(n2, env));
  const cmd101 = networkCommand("vl100", { type: "VLAN", vni: "101", cidr: "198.19.3.0/24" });
  const r = await d.apply(cmd101, driverContext(n2, env));
  const l = await linkOf(n2, r.details["vlanName"] as string);
  check("node2 re-made on VLAN 101", r.state === "Available" && l?.linkinfo?.info_data?.id === 101, JSON.stringify(l));
  await n2.execChecked(["ip", "link", "set", "prbp2", "master", bridge, "up"]);
  const ping = await p1.exec(["ping", "-c", "2", "-W", "1", "198.19.3.2"]);
  check("VLAN 100 does not reach VLAN 101 (no reply)", ping.exitCode !== 0, ping.stdout);
  await d.remove(cmd101, driverContext(n2, env));
}

const nodes: NodeHandle[] = [];
try {
  await main(nodes);
} catch (e) {
  check("inner script ran to the end", false, e instanceof Error ? `${e.stack}` : String(e));
} finally {
  for (const n of nodes.reverse()) await n.cleanup();
}
console.log(`vlan-inner: done ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
