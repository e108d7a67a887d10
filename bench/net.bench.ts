/**
 * Network driver throughput (issue #5). In one test namespace "node" (with a veth underlay):
 * 1. a plain shell loop creating 200 VXLAN networks, one `ip` process per command
 *    (bridge add, bridge up, vxlan add, vxlan master+up), as a baseline;
 * 2. the same 200 networks through NetworkDriver.applyMany (one read, one `ip -batch`, one re-read);
 * 3. a no-op re-apply and an inventory of those 200 (goal <= 200 ms);
 * 4. for reference, the driver one apply() per network.
 * Run: `npm run bench -- net` (root; creates and deletes its own namespaces).
 */
import pino from "pino";
import type { DriverContext, ResourceCommand } from "../node-agent/driver.js";
import { NetworkDriver } from "../node-agent/net/network-driver.js";
import { bridgeName, vxlanName } from "../schemas/host-names.js";
import { createTopology } from "../test/helpers/netns.js";
import type { NodeHandle } from "../test/helpers/netns.js";
import { percentile, reportFigures } from "./lib/report.js";

const COUNT = 200;
const GROUP = `bench${process.pid}`;
const env = { vxlan: { devName: "ul0", group: "239.0.0.1" } };

function commands(ns: string, vniBase: number): ResourceCommand[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    key: `systemv0/network/${GROUP}/${ns}/n${i}` as const,
    apiType: "systemv0/network" as const,
    id: `n${i}`,
    group: GROUP,
    namespace: ns,
    annotations: { "networkv0/network_type": "VXLAN" },
    spec: { id: String(vniBase + i), ipv4CIDR: `10.${Math.floor(i / 250)}.${i % 250}.0/24` },
    generation: 1,
    context: {},
  }));
}

function shellScript(cmds: readonly ResourceCommand[], vniBase: number): string {
  return cmds
    .map((c, i) => {
      const br = bridgeName(GROUP, c.namespace!, c.id);
      const vx = vxlanName(GROUP, c.namespace!, c.id);
      return [
        `ip link add ${br} type bridge`,
        `ip link set ${br} up`,
        `ip link add ${vx} type vxlan id ${vniBase + i} dev ul0 dstport 4789 group 239.0.0.1`,
        `ip link set ${vx} master ${br} up`,
      ].join("\n");
    })
    .join("\n");
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

async function countLinks(node: NodeHandle): Promise<number> {
  const r = await node.execChecked(["ip", "-j", "link", "show"]);
  return (JSON.parse(r.stdout) as Array<{ ifname: string }>).filter((l) => /^hm[bx]/.test(l.ifname)).length;
}

async function main(): Promise<void> {
  const topo = await createTopology({ nodes: ["bench"] });
  const node = topo.node("bench");
  const ctx: DriverContext = {
    runner: node.runner,
    log: pino({ level: "silent" }),
    signal: new AbortController().signal,
    node: { nodeName: "bench", address: topo.addressOf("bench"), dataDir: "/tmp", blockStorageDir: "/tmp", imageDir: "/tmp", ...env },
  };
  const d = new NetworkDriver();
  try {
    const shellCmds = commands("shell", 1000);
    const [shellMs] = await timed(() => node.execChecked(["sh", "-ec", shellScript(shellCmds, 1000)]));
    if ((await countLinks(node)) !== 2 * COUNT) throw new Error("shell loop did not create every link");
    await d.removeMany(shellCmds, ctx);

    const cmds = commands("drv", 2000);
    const [driverMs, res] = await timed(() => d.applyMany(cmds, ctx));
    if (res.some((r) => r.state !== "Available") || (await countLinks(node)) !== 2 * COUNT) throw new Error("driver apply did not converge");
    const noop: number[] = [];
    const inv: number[] = [];
    for (let i = 0; i < 7; i++) {
      noop.push((await timed(() => d.applyMany(cmds, ctx)))[0]);
      inv.push((await timed(() => d.inventory(ctx, cmds)))[0]);
    }
    await d.removeMany(cmds, ctx);

    const [oneByOneMs] = await timed(async () => {
      for (const c of cmds) await d.apply(c, ctx);
    });
    await d.removeMany(cmds, ctx);

    reportFigures("net", [
      { name: "shell loop, 200 VXLAN networks (800 ip processes)", value: Math.round(shellMs), unit: "ms" },
      { name: "driver applyMany, 200 VXLAN networks", value: Math.round(driverMs), unit: "ms" },
      { name: "ratio driver / shell loop", value: driverMs / shellMs, unit: "x", goal: "<= 1.0" },
      { name: "no-op re-apply of 200 (median of 7)", value: Math.round(percentile(noop, 50)), unit: "ms", goal: "<= 200" },
      { name: "inventory of 200 (median of 7)", value: Math.round(percentile(inv, 50)), unit: "ms", goal: "<= 200" },
      { name: "driver, one apply() per network, 200", value: Math.round(oneByOneMs), unit: "ms" },
    ], { count: COUNT, noopMs: noop.map(Math.round), inventoryMs: inv.map(Math.round) });
  } finally {
    await topo.cleanup();
  }
}

await main();
