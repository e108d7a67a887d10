import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import {
  assertNoLeaks,
  createNode,
  createTopology,
  findLeaks,
  HostLeakError,
  linkNodes,
  snapshotHost,
  testTag,
  withNodes,
} from "../helpers/netns.js";
import type { HostSnapshot, NodeHandle } from "../helpers/netns.js";

const netns = suite<{ before: HostSnapshot }>("netns nodes");

netns.before(async (ctx) => {
  ctx.before = await snapshotHost();
});

netns.after(async (ctx) => {
  await assertNoLeaks(ctx.before);
});

const ping = (node: NodeHandle, addr: string) => node.exec(["ping", "-c1", "-W1", addr]);
/**
 * A ping that may take a few tries: the first packets over a fresh overlay wait for ARP and
 * the vxlan's multicast flood, which can exceed one second on a loaded machine.
 */
async function pingConverges(node: NodeHandle, addr: string): Promise<{ exitCode: number }> {
  let last = await ping(node, addr);
  for (let i = 1; i < 5 && last.exitCode !== 0; i++) last = await ping(node, addr);
  return last;
}

netns("two linked nodes ping each other over the veth underlay", async () => {
  const a = await createNode("a");
  const b = await createNode("b");
  try {
    assert.is(a.netns, `${testTag()}-a`);
    assert.is.not((await ping(a, "198.18.0.2")).exitCode, 0, "unreachable before the link exists");
    const { devA, devB } = await linkNodes(a, b, { addrA: "198.18.0.1", addrB: "198.18.0.2", prefix: 24 });
    assert.equal([devA, devB], ["ul0", "ul0"]);
    assert.is((await ping(a, "198.18.0.2")).exitCode, 0);
    assert.is((await ping(b, "198.18.0.1")).exitCode, 0);
    const lo = await a.execChecked(["ip", "-j", "link", "show", "lo"]);
    assert.ok((JSON.parse(lo.stdout) as Array<{ flags: string[] }>)[0]?.flags.includes("UP"), "lo is up");
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

/** A vxlan (id 100, group 239.0.0.1) over ul0, enslaved to bridge ov0 which carries `probe`. */
async function overlay(node: NodeHandle, probe: string): Promise<void> {
  await node.execChecked(["ip", "link", "add", "vx100", "type", "vxlan", "id", "100", "group", "239.0.0.1",
    "dstport", "4789", "dev", "ul0"]);
  await node.execChecked(["ip", "link", "add", "ov0", "type", "bridge"]);
  await node.execChecked(["ip", "link", "set", "vx100", "master", "ov0", "up"]);
  await node.execChecked(["ip", "link", "set", "ov0", "up"]);
  await node.execChecked(["ip", "addr", "add", `${probe}/24`, "dev", "ov0"]);
}

netns("a multicast vxlan over the underlay carries a ping between probe addresses", async () => {
  await withNodes(2, async (topo) => {
    const [n1, n2] = [topo.node("node1"), topo.node("node2")];
    assert.is(topo.addressOf("node2"), "198.18.0.2");
    assert.is((await ping(n1, "198.18.0.2")).exitCode, 0, "underlay works");
    await overlay(n1, "198.19.100.1");
    assert.is((await ping(n1, "198.19.100.2")).exitCode, 1, "nobody answers before node2 has its end");
    await overlay(n2, "198.19.100.2");
    assert.is((await pingConverges(n1, "198.19.100.2")).exitCode, 0);
    assert.is((await pingConverges(n2, "198.19.100.1")).exitCode, 0);
  });
});

netns("a three-node topology shares one segment", async () => {
  const topo = await createTopology({ nodes: ["x", "y", "z"], underlay: { base: "198.18.7" } });
  try {
    assert.equal(topo.nodes.map((n) => n.name), ["x", "y", "z"]);
    assert.is(topo.addressOf("z"), "198.18.7.3");
    assert.is((await ping(topo.node("x"), "198.18.7.3")).exitCode, 0);
    assert.is((await ping(topo.node("z"), "198.18.7.2")).exitCode, 0);
    assert.throws(() => topo.node("w"), RangeError);
  } finally {
    await topo.cleanup();
  }
});

netns("withNodes cleans up when its function throws, and rethrows", async () => {
  let seen = "";
  try {
    await withNodes(1, async (topo) => {
      seen = topo.node("node1").netns;
      throw new Error("boom");
    });
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, "boom");
  }
  const list = await new SpawnRunner().run({ argv: ["ip", "netns", "list"] });
  assert.ok(seen !== "" && !list.stdout.includes(seen), `${seen} is gone`);
});

netns("cleanup kills processes left running inside a node", async () => {
  const n = await createNode("p");
  const sleeper = n.exec(["sleep", "60"]);
  await new Promise((r) => setTimeout(r, 300));
  const pids = await new SpawnRunner().run({ argv: ["ip", "netns", "pids", n.netns] });
  assert.ok(pids.stdout.trim() !== "", "sleep runs inside the namespace");
  await n.cleanup();
  const res = await sleeper;
  assert.is.not(res.exitCode, 0, "sleep was killed");
});

netns("node names that could reach ip as options are refused", async () => {
  for (const bad of ["-all", "Node", "a b", "abcdefghijk"]) {
    try {
      await createNode(bad);
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, RangeError);
    }
  }
});

netns("the leak guard finds a netns left behind, and is quiet once it is gone", async (ctx) => {
  const leaked = await createNode("leak");
  const leaks = await findLeaks(ctx.before);
  assert.equal(leaks, [{ kind: "netns", name: leaked.netns }]);
  try {
    await assertNoLeaks(ctx.before);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, HostLeakError);
    assert.is((e as HostLeakError).code, "HOST_LEAK");
  }
  await leaked.cleanup();
  assert.equal(await findLeaks(ctx.before), []);
});

netns("the leak guard reports netns by tag or by name, humops-named ones only when asked", async (ctx) => {
  const after: HostSnapshot = {
    ...ctx.before,
    netns: [...ctx.before.netns, `${testTag()}-n1`, "hmraaaaaaaaaaaa", "hmrbbbbbbbbbbbb", "foreign"],
  };
  assert.equal(await findLeaks(ctx.before, {}, after), [{ kind: "netns", name: `${testTag()}-n1` }]);
  assert.equal(await findLeaks(ctx.before, { names: ["hmrbbbbbbbbbbbb"] }, after), [
    { kind: "netns", name: `${testTag()}-n1` },
    { kind: "netns", name: "hmrbbbbbbbbbbbb" },
  ]);
  const all = await findLeaks(ctx.before, { humopsNetns: true }, after);
  assert.equal(all.map((l) => l.name), [`${testTag()}-n1`, "hmraaaaaaaaaaaa", "hmrbbbbbbbbbbbb"]);
});

netns("the leak guard reports root links and iptables rules that appeared", async (ctx) => {
  const after: HostSnapshot = {
    netns: ctx.before.netns,
    links: [...ctx.before.links, `${testTag()}-x`, "hmbaaaaaaaaaaaa", "eth-foreign"],
    iptables: [...ctx.before.iptables, "nat -A POSTROUTING -j MASQUERADE"],
  };
  assert.equal(await findLeaks(ctx.before, {}, after), [
    { kind: "link", name: `${testTag()}-x` },
    { kind: "link", name: "hmbaaaaaaaaaaaa" },
    { kind: "iptables", name: "nat -A POSTROUTING -j MASQUERADE" },
  ]);
  assert.equal(await findLeaks(ctx.before, { humopsNames: false }, after), [
    { kind: "link", name: `${testTag()}-x` },
    { kind: "iptables", name: "nat -A POSTROUTING -j MASQUERADE" },
  ]);
});

netns("the leak guard reports a dead netns entry: one made in a private mount namespace that is gone (issue #13)", async (ctx) => {
  const r = new SpawnRunner();
  const node = await createNode("dead");
  const entry = `${testTag()}-deadrt`;
  try {
    // What an agent in `ip netns exec NODE` does, then its death: the shell's mount namespace goes.
    const made = await node.exec(["ip", "netns", "add", entry]);
    assert.is(made.exitCode, 0, made.stderr);
    const after = await snapshotHost();
    assert.ok(after.netns.includes(entry), "the entry is still listed");
    assert.ok(after.deadNetns?.includes(entry), "and seen dead");
    assert.not.ok(after.deadNetns?.includes(node.netns), "a live one is not");
    assert.equal(await findLeaks(ctx.before, {}, after), [{ kind: "netns", name: node.netns }, { kind: "dead-netns", name: entry }]);
    assert.match(new HostLeakError([{ kind: "dead-netns", name: entry }]).message, "a dead entry");
  } finally {
    await r.run({ argv: ["ip", "netns", "del", entry] });
    await node.cleanup();
  }
});

netns.run();
