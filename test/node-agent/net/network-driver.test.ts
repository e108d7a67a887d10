import { readFileSync } from "node:fs";
import pino from "pino";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { DriverContext, NodeEnvironment, ResourceCommand } from "../../../node-agent/driver.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { vlanName } from "../../../schemas/host-names.js";
import { LINK_BATCH, someLinks } from "./fake-host.js";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const fullLinks = fixture("ip-addr-d.json");
const bareLinks = JSON.stringify((JSON.parse(fullLinks) as Array<{ ifname: string }>).filter((l) => l.ifname === "lo" || l.ifname === "ul0"));
const fullNat = fixture("iptables-save-nat.txt");
const RULE = '-A HUMOPS-POSTROUTING -s 198.19.0.0/24 ! -d 198.19.0.0/24 -m comment --comment "systemv0/network/g1/ns1/net1" -j MASQUERADE';

const node: NodeEnvironment = { nodeName: "n1", address: "198.18.0.1", dataDir: "/d", blockStorageDir: "/b", imageDir: "/i", vxlan: { devName: "ul0", group: "239.0.0.1" } };

function net1(annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}, context: Record<string, unknown> = {}): ResourceCommand {
  return {
    key: "systemv0/network/g1/ns1/net1",
    apiType: "systemv0/network",
    id: "net1",
    group: "g1",
    namespace: "ns1",
    annotations: { "networkv0/network_type": "VXLAN", "networkv0/default_gateway": "198.19.0.1/24", ...annotations },
    spec: { id: "100", ipv4CIDR: "198.19.0.0/24", ...spec },
    generation: 3,
    context,
  };
}

function ctx(runner: RecordingRunner, env: Partial<NodeEnvironment> = {}): DriverContext {
  return { runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: { ...node, ...env } };
}

/** A runner whose host is `before` until a batch runs, `after` from then on. */
function hostRunner(before: { links: string; nat: string }, after: { links: string; nat: string }): RecordingRunner {
  let changed = false;
  const r = new RecordingRunner();
  r.on(["ip", "-d", "-j", "addr", "show"], () => ({ stdout: changed ? after.links : before.links }));
  r.on(LINK_BATCH, (c) => someLinks(changed ? after.links : before.links, c.stdin ?? ""));
  r.on(["iptables-save", "-t", "nat"], () => ({ stdout: changed ? after.nat : before.nat }));
  r.on(["bridge", "-j", "fdb", "show"], { stdout: "[]" });
  r.onPrefix(["bridge", "-j", "fdb", "show", "dev"], { stdout: "[]" });
  for (const argv of [["ip", "-batch", "-"], ["bridge", "-batch", "-"], ["iptables-restore", "-w", "--noflush"]]) {
    r.on(argv, () => {
      changed = true;
      return {};
    });
  }
  return r;
}

const BR = "hmbdtjadjuc7lmc";
const VX = "hmxujzhiquahrx6";
const VL = vlanName("g1", "ns1", "net1");
/** The scoped reads of one VXLAN network apply: its links, the underlay and the vlan name in one batch, then the nat table. */
const linkReads = (...devs: string[]) => ({ argv: ["ip", "-d", "-j", "-force", "-batch", "-"], stdin: devs.map((d) => `addr show dev ${d}\n`).join("") });
const READS = [linkReads(BR, VX, "ul0", VL), { argv: ["iptables-save", "-t", "nat"] }];

const D = suite("NetworkDriver (RecordingRunner)");

D("apply on a bare node: scoped reads, one ip batch, one nat restore, scoped re-reads; Available", async () => {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: fullLinks, nat: fullNat });
  const res = await new NetworkDriver().apply(net1(), ctx(r));
  assert.equal(r.commands, [
    ...READS,
    {
      argv: ["ip", "-batch", "-"],
      stdin: [
        "link add hmbdtjadjuc7lmc type bridge",
        "link set hmbdtjadjuc7lmc up",
        "link add hmxujzhiquahrx6 type vxlan id 100 dev ul0 dstport 4789 group 239.0.0.1",
        "link set hmxujzhiquahrx6 master hmbdtjadjuc7lmc up",
        "addr add 198.19.0.1/24 dev hmbdtjadjuc7lmc",
        "",
      ].join("\n"),
    },
    { argv: ["iptables-restore", "-w", "--noflush"], stdin: `*nat\n:HUMOPS-POSTROUTING - [0:0]\n-A POSTROUTING -j HUMOPS-POSTROUTING\n${RULE}\nCOMMIT\n` },
    ...READS,
  ]);
  assert.is(res.state, "Available");
  assert.is(res.generation, 3);
  assert.equal(res.details, { type: "VXLAN", bridgeName: "hmbdtjadjuc7lmc", vxlanName: "hmxujzhiquahrx6", vni: 100, mode: "multicast", peers: [], gateway: "198.19.0.1/24" });
});

D("a no-op re-apply only reads", async () => {
  const r = hostRunner({ links: fullLinks, nat: fullNat }, { links: fullLinks, nat: fullNat });
  const res = await new NetworkDriver().apply(net1(), ctx(r));
  assert.equal(r.commands, READS);
  assert.is(res.state, "Available");
});

D("gateway changed: stale address and rule replaced in place", async () => {
  const r = hostRunner({ links: fullLinks, nat: fullNat }, { links: fullLinks, nat: fullNat });
  const res = await new NetworkDriver().apply(net1({ "networkv0/default_gateway": "198.19.0.254/24" }), ctx(r));
  assert.is(r.commands[2]!.stdin, "addr del 198.19.0.1/24 dev hmbdtjadjuc7lmc\naddr add 198.19.0.254/24 dev hmbdtjadjuc7lmc\n");
  assert.not.ok(r.argvs.some((a) => a[0] === "iptables-restore"), "the rule follows spec.ipv4CIDR, which did not change");
  assert.is(res.state, "Pending", "the fake host did not change, so the drift stays visible");
  assert.equal(res.drift, ["address 198.19.0.1/24 on hmbdtjadjuc7lmc stale", "address 198.19.0.254/24 on hmbdtjadjuc7lmc missing"]);
});

D("remove: links deleted, only the network's own rule deleted", async () => {
  const r = hostRunner({ links: fullLinks, nat: fullNat }, { links: bareLinks, nat: "" });
  await new NetworkDriver().remove(net1(), ctx(r));
  assert.equal(r.commands.slice(0, 2), [linkReads(VX, VL, BR), { argv: ["iptables-save", "-t", "nat"] }]);
  assert.equal(r.commands.slice(2), [
    { argv: ["ip", "-batch", "-"], stdin: "link del hmxujzhiquahrx6\nlink del hmbdtjadjuc7lmc\n" },
    { argv: ["iptables-restore", "-w", "--noflush"], stdin: `*nat\n-D${RULE.slice(2)}\nCOMMIT\n` },
  ]);
});

D("inventory: drift-free net1; unexplained humops link and rule are orphans; foreign ones ignored", async () => {
  const r = hostRunner({ links: fullLinks, nat: fullNat }, { links: fullLinks, nat: fullNat });
  const inv = await new NetworkDriver().inventory(ctx(r), [net1()]);
  assert.equal(inv.resources.map((x) => x.state), ["Available"]);
  assert.equal(inv.orphans, ["link hmxbbbbbbbbbbbb", "nat-rule systemv0/network/g1/ns1/gone"]);
});

D("inventory: a known command that no longer models is Error/InvalidSpec, and its links are not orphans", async () => {
  const r = hostRunner({ links: fullLinks, nat: fullNat }, { links: fullLinks, nat: fullNat });
  const inv = await new NetworkDriver().inventory(ctx(r), [net1({ "networkv0/network_type": "Foo" })]);
  assert.equal(inv.resources.map((x) => [x.state, x.reason]), [["Error", "InvalidSpec"]]);
  assert.match(inv.resources[0]!.message ?? "", "want Bridge, VXLAN or VLAN");
  assert.equal(inv.orphans, ["link hmxbbbbbbbbbbbb", "nat-rule systemv0/network/g1/ns1/gone"]);
});

D("static mode (vxlan.mode static): local address, fdb entries to the peers", async () => {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: bareLinks, nat: "" });
  await new NetworkDriver().apply(net1({ "networkv0/default_gateway": "" }, {}, { peers: ["198.18.0.3", "198.18.0.2"] }), ctx(r, { vxlan: { devName: "ul0", group: "239.0.0.1", mode: "static" } }));
  assert.equal(r.commands.slice(0, 2), READS, "no vxlan yet, so no fdb read");
  assert.match(r.commands[2]!.stdin ?? "", "link add hmxujzhiquahrx6 type vxlan id 100 dev ul0 dstport 4789 local 198.18.0.1\n");
  assert.equal(r.commands[3], {
    argv: ["bridge", "-batch", "-"],
    stdin: "fdb append 00:00:00:00:00:00 dev hmxujzhiquahrx6 dst 198.18.0.2\nfdb append 00:00:00:00:00:00 dev hmxujzhiquahrx6 dst 198.18.0.3\n",
  });
});

async function codeOf(cmd: ResourceCommand, env: Partial<NodeEnvironment> = {}): Promise<{ code: string | undefined; ran: number }> {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: bareLinks, nat: "" });
  try {
    await new NetworkDriver().apply(cmd, ctx(r, env));
    return { code: undefined, ran: r.commands.length };
  } catch (e) {
    return { code: (e as { code?: string }).code, ran: r.commands.length };
  }
}

D("unsafe names and bad addresses are refused before any command runs", async () => {
  assert.equal(await codeOf(net1(), { vxlan: { devName: "-eth0" } }), { code: "UNSAFE_NAME", ran: 0 });
  assert.equal(await codeOf(net1(), { vxlan: { devName: "eth0;reboot" } }), { code: "UNSAFE_NAME", ran: 0 });
  assert.equal(await codeOf(net1(), { vxlan: { devName: "averyveryverylongname" } }), { code: "UNSAFE_NAME", ran: 0 });
  assert.equal(await codeOf(net1(), { vxlan: { devName: "ul0", group: "239.0.0.300" } }), { code: "INVALID_ADDRESS", ran: 0 });
  assert.equal(await codeOf(net1({ "networkv0/default_gateway": "198.19.0.1" })), { code: "INVALID_ADDRESS", ran: 0 });
  assert.equal(await codeOf(net1({}, {}, { peers: ["198.18.0.2 dst 1.1.1.1"] }), { vxlan: { devName: "ul0" } }), { code: "INVALID_ADDRESS", ran: 0 });
  assert.equal(await codeOf(net1({ "networkv0/network_type": "Foo" })), { code: "INVALID_NET_SPEC", ran: 0 });
  assert.equal(await codeOf(net1({}, { id: "0" })), { code: "INVALID_NET_SPEC", ran: 0 });
  assert.equal(await codeOf(net1({}, { id: "16777216" })), { code: "INVALID_NET_SPEC", ran: 0 });
  assert.equal(await codeOf(net1({ "networkv0/network_type": "VLAN" }, { id: "4095" }), { vlan: { devName: "ul0" } }), { code: "INVALID_NET_SPEC", ran: 0 });
  assert.equal(await codeOf({ ...net1(), key: "systemv0/network/g1/ns1/a b" as never }), { code: "UNSAFE_NAME", ran: 0 });
});

D("a missing underlay device is a MissingDeviceError naming the config key", async () => {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: bareLinks, nat: "" });
  try {
    await new NetworkDriver().apply(net1(), ctx(r, { vxlan: { devName: "eth9", group: "239.0.0.1" } }));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "MISSING_DEVICE");
    assert.is((e as Error).message, "vxlan device eth9 not found on node n1; fix networkAgentConfig.vxlan.devName");
  }
});

D("an unsupported link type from the kernel becomes UnsupportedLinkTypeError", async () => {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: bareLinks, nat: "" });
  r.on(["ip", "-batch", "-"], { exitCode: 1, stderr: "Error: Unknown device type.\nCommand failed -:3\n" });
  try {
    await new NetworkDriver().apply(net1({ "networkv0/network_type": "VLAN" }, { id: "30" }), ctx(r, { vlan: { devName: "ul0" } }));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "UNSUPPORTED_LINK_TYPE");
    assert.match(r.commands.find((c) => c.argv.join(" ") === "ip -batch -")?.stdin ?? "", /^link add hml[a-z2-7]{12} link ul0 type vlan id 30$/m);
  }
});

D("a VNI already used by another link becomes IdInUseError", async () => {
  const r = hostRunner({ links: bareLinks, nat: "" }, { links: bareLinks, nat: "" });
  r.on(["ip", "-batch", "-"], { exitCode: 2, stderr: "Error: A VXLAN device with the specified VNI already exists.\nCommand failed -:3\n" });
  try {
    await new NetworkDriver().apply(net1(), ctx(r));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "ID_IN_USE");
  }
});

D.run();
