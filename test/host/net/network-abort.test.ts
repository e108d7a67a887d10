/**
 * Interrupted applies on a real kernel: 50 networks (VXLAN head-end replication with a gateway
 * and MASQUERADE each) applied one by one and aborted midway, then applied as one batch and
 * aborted while `ip -batch` runs; a final apply must converge exactly (no duplicate link, fdb
 * entry or rule), and removal must leave nothing.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Command, HostRunner, RunOptions, RunResult } from "../../../node-agent/host/host-runner.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { assertNoLeaks, createTopology, snapshotHost } from "../../helpers/netns.js";
import type { HostSnapshot, NodeHandle, Topology } from "../../helpers/netns.js";
import { driverContext, natRules, networkCommand } from "./net-fixture.js";

const env = { vxlan: { devName: "ul0", mode: "static" as const } };
const cmds = Array.from({ length: 50 }, (_, i) =>
  networkCommand(`n${i}`, { type: "VXLAN", vni: String(1000 + i), cidr: `198.19.${i}.0/24`, gateway: `198.19.${i}.1/24`, peers: ["198.18.0.2"] }),
);

/** Forwards to `inner` and calls `onRun(cmd, n)` before the n-th command (1-based). */
class TappedRunner implements HostRunner {
  count = 0;
  readonly #inner: HostRunner;
  readonly #onRun: (cmd: Command, n: number) => void;
  constructor(inner: HostRunner, onRun: (cmd: Command, n: number) => void) {
    this.#inner = inner;
    this.#onRun = onRun;
  }
  run(cmd: Command, opts?: RunOptions): Promise<RunResult> {
    this.#onRun(cmd, ++this.count);
    return this.#inner.run(cmd, opts);
  }
}

interface Ctx {
  before: HostSnapshot;
  topo: Topology;
  node: NodeHandle;
}
const A = suite<Ctx>("network driver: interrupted applies converge (real kernel)");

A.before(async (c) => {
  c.before = await snapshotHost();
  c.topo = await createTopology({ nodes: ["node1"] });
  c.node = c.topo.node("node1");
});

A.after(async (c) => {
  await c.topo?.cleanup();
});

async function hmLinks(node: NodeHandle): Promise<string[]> {
  const r = await node.execChecked(["ip", "-j", "link", "show"]);
  return (JSON.parse(r.stdout) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => /^hm[a-z][a-z2-7]{12}$/.test(n));
}

A("one-by-one apply aborted midway, then a batch apply aborted inside ip -batch", async (c) => {
  const d = new NetworkDriver();
  const ac = new AbortController();
  const tapped = new TappedRunner(c.node.runner, (_cmd, n) => n === 100 && ac.abort());
  const ctx = { ...driverContext(c.node, env, ac.signal), runner: tapped };
  let aborted = false;
  try {
    for (const cmd of cmds) await d.apply(cmd, ctx);
  } catch {
    aborted = true;
  }
  assert.ok(aborted, "the apply loop was interrupted");
  const partial = (await hmLinks(c.node)).length;
  assert.ok(partial > 0 && partial < 100, `partial state: ${partial} links`);

  const ac2 = new AbortController();
  const tapped2 = new TappedRunner(c.node.runner, (cmd) => cmd.argv.join(" ") === "ip -batch -" && setTimeout(() => ac2.abort(), 5));
  await d.applyMany(cmds, { ...driverContext(c.node, env, ac2.signal), runner: tapped2 }).catch(() => undefined);
});

A("re-apply converges: 100 links, one fdb entry per vxlan, 50 rules, one jump, no drift", async (c) => {
  const d = new NetworkDriver();
  const res = await d.applyMany(cmds, driverContext(c.node, env));
  assert.equal(res.filter((r) => r.state !== "Available").map((r) => [r.key, r.drift]), []);
  assert.is((await hmLinks(c.node)).length, 100);
  const fdb = await c.node.execChecked(["bridge", "-j", "fdb", "show"]);
  const zero = (JSON.parse(fdb.stdout) as Array<{ mac: string; dst?: string }>).filter((e) => e.mac === "00:00:00:00:00:00" && e.dst);
  assert.is(zero.length, 50);
  const rules = await natRules(c.node);
  assert.is(rules.filter((r) => r.startsWith("-A HUMOPS-POSTROUTING")).length, 50);
  assert.is(rules.filter((r) => r === "-A POSTROUTING -j HUMOPS-POSTROUTING").length, 1);
  const again = await d.applyMany(cmds, driverContext(c.node, env));
  assert.ok(again.every((r) => r.state === "Available"));
  assert.equal(await natRules(c.node), rules, "second apply changes nothing");
  const inv = await d.inventory(driverContext(c.node, env), cmds);
  assert.equal(inv.orphans, []);
});

A("removal of all 50 leaves no link and no rule of humops", async (c) => {
  const d = new NetworkDriver();
  await d.removeMany(cmds, driverContext(c.node, env));
  assert.equal(await hmLinks(c.node), []);
  assert.equal((await natRules(c.node)).filter((r) => r.startsWith("-A HUMOPS-POSTROUTING")), []);
  await c.topo.cleanup();
  await assertNoLeaks(c.before);
});

A.run();
