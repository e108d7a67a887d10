import pino from "pino";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { DriverContext, ResourceCommand } from "../../../node-agent/driver.js";
import { RouterDriver } from "../../../node-agent/net/router-driver.js";
import { renderRouterNat } from "../../../node-agent/net/router-nat.js";
import { readRouterSpec } from "../../../node-agent/net/router-spec.js";
import { routerModel, routerNetns, routerVethNames } from "../../../node-agent/net/router-model.js";
import { bridgeName } from "../../../schemas/host-names.js";
import { LINK_BATCH, someLinks } from "./fake-host.js";

const spec = {
  externalGateway: "192.168.10.254",
  externalIPs: [{ externalIPID: "eip1", bindInternalIPv4Address: "10.0.0.1" }],
  natGatewayIP: "192.168.10.200",
  nics: [{ networkID: "net1", ipv4Address: "10.0.0.254/24" }],
};
const context = {
  externalBridge: "exBr",
  externalPrefix: 24,
  externalIPs: [{ externalIPID: "eip1", address: "192.168.10.100", prefix: 24, bindInternalIPv4Address: "10.0.0.1" }],
  networks: { net1: { group: "group1", namespace: "ns1", ipv4CIDR: "10.0.0.0/24" } },
};
const vr: ResourceCommand = {
  key: "systemv0/virtualrouter/group1/ns1/vrouter1", apiType: "systemv0/virtualrouter", id: "vrouter1", group: "group1", namespace: "ns1",
  annotations: {}, spec, generation: 1, context,
};
const R = routerNetns(vr);
const ext = routerVethNames(R);
const nic = routerVethNames(R, "net1");
const BR = bridgeName("group1", "ns1", "net1");
const NAT = renderRouterNat(readRouterSpec(vr.key, spec), context);

type L = { ifname: string; kind?: string; master?: string; up?: boolean; addrs?: string[] };
const links = (ls: L[]): string =>
  JSON.stringify(ls.map((l, i) => ({
    ifindex: i + 1, ifname: l.ifname, flags: l.up ? ["UP"] : [], ...(l.master ? { master: l.master } : {}),
    ...(l.kind ? { linkinfo: { info_kind: l.kind } } : {}),
    addr_info: (l.addrs ?? []).map((a) => ({ family: "inet", local: a.split("/")[0], prefixlen: Number(a.split("/")[1]), scope: "global" })),
  })));
const nodeBefore = links([{ ifname: "exBr", kind: "bridge", up: true }, { ifname: BR, kind: "bridge", up: true }]);
const nodeAfter = links([
  { ifname: "exBr", kind: "bridge", up: true }, { ifname: BR, kind: "bridge", up: true },
  { ifname: ext.host, kind: "veth", master: "exBr", up: true }, { ifname: nic.host, kind: "veth", master: BR, up: true },
]);
const inside = links([
  { ifname: "lo", up: true }, { ifname: "ext0", kind: "veth", up: true, addrs: ["192.168.10.200/24", "192.168.10.100/24"] },
  { ifname: nic.router, kind: "veth", up: true, addrs: ["10.0.0.254/24"] },
]);

/** A fake node: the router namespace appears once `ip netns add` ran. */
function fakeNode(opts: { exists?: boolean; node?: string } = {}): RecordingRunner {
  let exists = opts.exists ?? false;
  const r = new RecordingRunner();
  r.on(LINK_BATCH, (c) => someLinks(exists ? nodeAfter : (opts.node ?? nodeBefore), c.stdin ?? ""));
  r.on(["ip", "-j", "netns", "list"], () => ({ stdout: exists ? JSON.stringify([{ name: R }]) : "" }));
  r.on(["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "add", R], () => ((exists = true), {}));
  r.on(["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "del", R], () => ((exists = false), {}));
  r.on(["ip", "-n", R, "-d", "-j", "addr", "show"], { stdout: inside });
  r.on(["ip", "-n", R, "-j", "route", "show", "default"], { stdout: '[{"dst":"default","gateway":"192.168.10.254","dev":"ext0"}]' });
  r.on(["ip", "netns", "exec", R, "sysctl", "-n", "net.ipv4.ip_forward"], { stdout: "1\n" });
  r.on(["ip", "netns", "exec", R, "iptables-save", "-t", "nat"], { stdout: `# Generated\n${NAT}# Completed\n` });
  r.onPrefix(["ip", "-batch"], {}).onPrefix(["ip", "-n", R, "-batch"], {}).onPrefix(["ip", "netns", "exec", R], {});
  return r;
}

const ctx = (runner: RecordingRunner): DriverContext => ({
  runner, log: pino({ level: "silent" }), signal: new AbortController().signal,
  node: { nodeName: "worker2", address: "192.168.10.1", dataDir: "/d", blockStorageDir: "/b", imageDir: "/i" },
});

const T = suite("RouterDriver (RecordingRunner)");

T("apply on a fresh node: netns, veths, addresses, route, ip_forward, nat table, in that order", async () => {
  const r = fakeNode();
  const res = await new RouterDriver({ mountNsPid: 4242 }).apply(vr, ctx(r));
  assert.equal(r.commands.slice(2, 7), [
    { argv: ["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "add", R] },
    {
      argv: ["ip", "-batch", "-"],
      stdin: `link add ${ext.host} type veth peer name ext0 netns ${R}\nlink set ${ext.host} master exBr up\n` +
        `link add ${nic.host} type veth peer name ${nic.router} netns ${R}\nlink set ${nic.host} master ${BR} up\n`,
    },
    {
      argv: ["ip", "-n", R, "-batch", "-"],
      stdin: ["link set lo up", "link set ext0 up", "addr add 192.168.10.200/24 dev ext0", "addr add 192.168.10.100/24 dev ext0",
        `link set ${nic.router} up`, `addr add 10.0.0.254/24 dev ${nic.router}`, "route replace default via 192.168.10.254 dev ext0", ""].join("\n"),
    },
    { argv: ["ip", "netns", "exec", R, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"] },
    { argv: ["ip", "netns", "exec", R, "iptables-restore", "-w"], stdin: NAT },
  ]);
  assert.is(res.state, "Running", JSON.stringify(res.drift));
  assert.equal(res.details["externalAddresses"], ["192.168.10.200/24", "192.168.10.100/24"]);
});

T("a no-op re-apply runs reads only", async () => {
  const r = fakeNode({ exists: true });
  const res = await new RouterDriver({ mountNsPid: 4242 }).apply(vr, ctx(r));
  const reads = new Set([LINK_BATCH.join(" "), "ip -j netns list", `ip -n ${R} -d -j addr show`, `ip -n ${R} -j route show default`,
    `ip netns exec ${R} sysctl -n net.ipv4.ip_forward`, `ip netns exec ${R} iptables-save -t nat`]);
  assert.ok(r.argvs.every((a) => reads.has(a.join(" "))), JSON.stringify(r.argvs));
  assert.is(res.state, "Running");
});

T("missing external bridge: MissingDeviceError with the reason, nothing changed", async () => {
  const r = fakeNode({ node: links([{ ifname: BR, kind: "bridge", up: true }]) });
  try {
    await new RouterDriver({ mountNsPid: 4242 }).apply(vr, ctx(r));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "MISSING_DEVICE");
    assert.is((e as Error).message, "external bridge exBr not found on node worker2; create it or fix the pool's bridgeName");
  }
  assert.equal(r.argvs, [[...LINK_BATCH], ["ip", "-j", "netns", "list"]]);
});

T("remove: veths inside deleted (taking their host ends), then the namespace", async () => {
  const r = fakeNode({ exists: true });
  await new RouterDriver({ mountNsPid: 4242 }).remove(vr, ctx(r));
  const changes = r.commands.filter((c) => (c.argv.includes("-batch") && !c.argv.includes("-force")) || c.argv[0] === "nsenter");
  assert.equal(changes, [
    { argv: ["ip", "-n", R, "-batch", "-"], stdin: `link del ext0\nlink del ${nic.router}\n` },
    { argv: ["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "del", R] },
  ]);
});

/**
 * A node whose router entry is dead (issue #13): listed, but every `ip -n R` / `ip netns exec R`
 * fails with EINVAL until `ip netns del R` removes it; `ip netns add R` then makes it live.
 */
function deadEntryNode(): { runner: RecordingRunner; state: () => "dead" | "absent" | "live" } {
  let state: "dead" | "absent" | "live" = "dead";
  const r = new RecordingRunner();
  const refused = { exitCode: 255, stderr: `setting the network namespace "${R}" failed: Invalid argument\n` };
  const inside_ = <T,>(live: T) => () => (state === "live" ? live : refused);
  r.on(LINK_BATCH, (c) => someLinks(state === "live" ? nodeAfter : nodeBefore, c.stdin ?? ""));
  r.on(["ip", "-d", "-j", "addr", "show"], () => ({ stdout: state === "live" ? nodeAfter : nodeBefore }));
  r.on(["ip", "-j", "netns", "list"], () => ({ stdout: state === "absent" ? "" : JSON.stringify([{ name: R }]) }));
  r.on(["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "del", R], () => ((state = "absent"), {}));
  r.on(["nsenter", "--target", "4242", "--mount", "--", "ip", "netns", "add", R], () => (state === "absent" ? ((state = "live"), {}) : { exitCode: 1, stderr: `Cannot create namespace file "/run/netns/${R}": File exists\n` }));
  r.on(["ip", "-n", R, "-d", "-j", "addr", "show"], inside_({ stdout: inside }));
  r.on(["ip", "-n", R, "-j", "route", "show", "default"], inside_({ stdout: '[{"dst":"default","gateway":"192.168.10.254","dev":"ext0"}]' }));
  r.on(["ip", "netns", "exec", R, "sysctl", "-n", "net.ipv4.ip_forward"], inside_({ stdout: "1\n" }));
  r.on(["ip", "netns", "exec", R, "iptables-save", "-t", "nat"], inside_({ stdout: `# Generated\n${NAT}# Completed\n` }));
  r.onPrefix(["ip", "-batch"], {}).onPrefix(["ip", "-n", R, "-batch"], {}).onPrefix(["ip", "netns", "exec", R], {});
  return { runner: r, state: () => state };
}
const nobodyHolds = () => new Set<string>();
const changes = (r: RecordingRunner) => r.commands.filter((c) => (c.argv.includes("-batch") && !c.argv.includes("-force")) || c.argv[0] === "nsenter" || c.argv.includes("-w"));

T("a dead netns entry (its agent was killed) is removed first, then the router is built again", async () => {
  const { runner, state } = deadEntryNode();
  const res = await new RouterDriver({ mountNsPid: 4242, netnsMounts: nobodyHolds }).apply(vr, ctx(runner));
  assert.equal(changes(runner).map((c) => c.argv.join(" ")), [
    `nsenter --target 4242 --mount -- ip netns del ${R}`,
    `nsenter --target 4242 --mount -- ip netns add ${R}`,
    "ip -batch -",
    `ip -n ${R} -batch -`,
    `ip netns exec ${R} sysctl -q -w net.ipv4.ip_forward=1`,
    `ip netns exec ${R} iptables-restore -w`,
  ]);
  assert.is(state(), "live");
  assert.is(res.state, "Running", JSON.stringify(res.drift));
});

T("an entry another mount namespace holds (another agent's router) is left alone: NetnsHeldElsewhereError", async () => {
  const { runner, state } = deadEntryNode();
  try {
    await new RouterDriver({ mountNsPid: 4242, netnsMounts: () => new Set([R]) }).apply(vr, ctx(runner));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "NETNS_HELD_ELSEWHERE");
  }
  assert.equal(changes(runner), []);
  assert.is(state(), "dead");
  const inv = await new RouterDriver({ mountNsPid: 4242, netnsMounts: () => new Set([R]) }).inventory(ctx(runner), [vr]);
  assert.equal([inv.resources[0]?.state, inv.resources[0]?.reason], ["Pending", "NetnsHeldElsewhere"]);
});

T("inventory: a dead entry of a known router is drift; an unknown dead entry is an orphan, a held one is not", async () => {
  const { runner } = deadEntryNode();
  const inv = await new RouterDriver({ mountNsPid: 4242, netnsMounts: nobodyHolds }).inventory(ctx(runner), [vr]);
  assert.equal([inv.resources[0]?.reason, inv.resources[0]?.drift?.[0]], ["NotFound", `netns ${R} is a dead entry (its namespace is gone)`]);
  assert.equal(inv.orphans, []);
  const orphan = await new RouterDriver({ mountNsPid: 4242, netnsMounts: nobodyHolds }).inventory(ctx(deadEntryNode().runner), []);
  assert.equal(orphan.orphans, [`netns ${R}`]);
  const held = await new RouterDriver({ mountNsPid: 4242, netnsMounts: () => new Set([R]) }).inventory(ctx(deadEntryNode().runner), []);
  assert.equal(held.orphans, []);
});

T("remove of a router whose entry is dead deletes the entry", async () => {
  const { runner, state } = deadEntryNode();
  await new RouterDriver({ mountNsPid: 4242, netnsMounts: nobodyHolds }).remove(vr, ctx(runner));
  assert.equal(changes(runner).map((c) => c.argv.join(" ")), [`nsenter --target 4242 --mount -- ip netns del ${R}`]);
  assert.is(state(), "absent");
});

T("routerModel refuses unresolved networks, external IPs and unsafe bridges", () => {
  const code = (c: Partial<ResourceCommand>): string | undefined => {
    try {
      routerModel({ ...vr, ...c });
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  assert.is(code({}), undefined);
  assert.is(code({ context: { ...context, networks: {} } }), "INVALID_NET_SPEC");
  assert.is(code({ context: { ...context, externalIPs: [] } }), "INVALID_NET_SPEC");
  assert.is(code({ context: { ...context, externalBridge: "--help" } }), "UNSAFE_NAME");
  assert.is(code({ context: { ...context, externalBridge: "br0 type dummy" } }), "UNSAFE_NAME");
  assert.is(code({ spec: { ...spec, nics: [...spec.nics, ...spec.nics] } }), "INVALID_NET_SPEC");
  assert.is(code({ context: { ...context, externalIPs: [{ ...context.externalIPs[0], address: "1.2.3" }] } }), "INVALID_ADDRESS");
});

T.run();
