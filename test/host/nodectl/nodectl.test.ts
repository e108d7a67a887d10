/**
 * nodectl against a real netns node (issue #8): a VXLAN network and a Local disk applied by
 * the real drivers, the agent's socket up then down. Every command names the right host
 * objects, `--output json` validates against nodectl-output.schema.json, the commands still
 * answer with the agent stopped, a bridge deleted by hand shows as drift, a stray humops tap
 * shows as an orphan and gc removes it and nothing else, a dead router netns entry too (#13),
 * and the socket refuses non-root.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, statSync } from "node:fs";
import { bridgeName, routerNetnsName, tapName, vxlanName } from "../../../schemas/host-names.js";
import { assertNoLeaks, createNode, snapshotHost, type HostSnapshot, type NodeHandle } from "../../helpers/netns.js";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { DISK_KEY, GROUP, NET_KEY, nodectl, prepareNode, removeDir, startAgentSocket, writeConfig, type NodectlNode } from "./node-fixture.js";

interface Ctx {
  before: HostSnapshot;
  nats: NatsServer;
  node: NodeHandle;
  n: NodectlNode;
}
const T = suite<Ctx>("nodectl on a netns node with a network and a disk");

const BRIDGE = bridgeName(GROUP, "ns1", "net1");
const VXLAN = vxlanName(GROUP, "ns1", "net1");
const STRAY_TAP = tapName(GROUP, "ns1", "strayvm", 0);

T.before(async (c) => {
  c.before = await snapshotHost();
  c.nats = await startNats({ jetstream: false });
  c.node = await createNode("nctl");
  c.n = await prepareNode(c.node, c.nats.url);
  await startAgentSocket(c.n, c.nats.url);
});

T.after(async (c) => {
  await c.n?.agent?.close();
  await c.node?.cleanup();
  removeDir(c.n);
  await c.nats?.stop();
  await assertNoLeaks(c.before);
});

T("status with the agent up: version, uptime, NATS, capacity, resources by state, last error", async (c) => {
  const r = await nodectl(c.n, ["status", "--output", "json"]);
  assert.is(r.code, 0, r.err);
  assert.is(r.json.agent.reachable, true);
  assert.is(r.json.agent.version, "0.1.0");
  assert.ok(r.json.agent.uptimeSeconds >= 65, `uptime ${r.json.agent.uptimeSeconds}`);
  assert.is(r.json.nats.reconnects, 2);
  assert.is(r.json.source, "agent");
  assert.equal(r.json.resources, { "systemv0/network": { Available: 1 }, "systemv0/blockstorage": { Active: 1 } });
  assert.is(r.json.lastError.key, NET_KEY);
  assert.match(r.json.lastError.message, "MissingDevice");
  const human = await nodectl(c.n, ["status"]);
  assert.match(human.out, "running");
  assert.match(human.out, "Available 1");
});

T("ls: both resources, desired against observed, agreeing", async (c) => {
  const r = await nodectl(c.n, ["ls", "--output", "json"]);
  assert.is(r.code, 0, r.err);
  const rows = r.json.resources as Array<{ key: string; agree: boolean; observedState: string; desiredGeneration: number; observedGeneration: number }>;
  assert.equal(rows.map((x) => [x.key, x.observedState, x.desiredGeneration, x.observedGeneration, x.agree]), [
    [DISK_KEY, "Active", 1, 1, true],
    [NET_KEY, "Available", 3, 3, true],
  ]);
  const only = await nodectl(c.n, ["ls", "network", "-o", "json"]);
  assert.equal(only.json.resources.map((x: { key: string }) => x.key), [NET_KEY]);
  const bad = await nodectl(c.n, ["ls", "nosuchkind"]);
  assert.is(bad.code, 2);
});

T("inspect network and disk: command id from the journal, host objects by name with live state", async (c) => {
  const net = await nodectl(c.n, ["inspect", "network", "net1", "-o", "json"]);
  assert.is(net.code, 0, net.err);
  assert.is(net.json.lastCommand.commandId, "c-net-3");
  assert.ok(Date.now() - Date.parse(net.json.lastCommand.receivedAt) >= 29_500, "received, not result, time");
  assert.is(net.json.lastCommand.generation, 3);
  const objs = net.json.hostObjects as Array<{ type: string; name: string; exists: boolean; live: Record<string, unknown> }>;
  const bridge = objs.find((o) => o.type === "bridge")!;
  assert.equal([bridge.name, bridge.exists, bridge.live["up"]], [BRIDGE, true, true]);
  assert.ok((bridge.live["addresses"] as string[]).includes("198.19.7.1/24"), String(bridge.live["addresses"]));
  const vx = objs.find((o) => o.type === "vxlan")!;
  assert.equal([vx.name, vx.exists, vx.live["master"]], [VXLAN, true, BRIDGE]);
  assert.ok(objs.some((o) => o.type === "nat-rule" && o.name.includes("MASQUERADE") && o.name.includes(NET_KEY)), "the MASQUERADE rule is named");
  const disk = await nodectl(c.n, ["inspect", "blockstorage", `${GROUP}/ns1/disk1`, "-o", "json"]);
  assert.is(disk.code, 0, disk.err);
  const file = disk.json.hostObjects[0];
  assert.equal([file.type, file.name, file.exists, file.live.virtualSizeBytes], ["disk", `${c.n.target.env.blockStorageDir}/${GROUP}/ns1/disk1.qcow2`, true, 64 * 1024 * 1024]);
  const human = await nodectl(c.n, ["inspect", "net", "net1"]);
  assert.match(human.out, BRIDGE);
  const missing = await nodectl(c.n, ["inspect", "network", "nope"]);
  assert.is(missing.code, 4);
});

T("events: the journal newest last, --since filters", async (c) => {
  const all = await nodectl(c.n, ["events", "-o", "json"]);
  assert.is(all.code, 0, all.err);
  assert.equal(all.json.entries.map((e: { event: string; commandId: string }) => `${e.event}:${e.commandId}`), [
    "received:c-old", "result:c-old", "received:c-net-3", "started:c-net-3", "result:c-net-3", "received:c-disk-1", "result:c-disk-1",
  ]);
  const recent = await nodectl(c.n, ["events", "--since", "1m", "-o", "json"]);
  assert.is(recent.json.entries.length, 5);
  const human = await nodectl(c.n, ["events", "--since", "1h"]);
  assert.match(human.out, "c-disk-1");
  assert.not.match(human.out, "c-old");
  assert.is((await nodectl(c.n, ["events", "--since", "soon"])).code, 2);
});

T("doctor: binaries, kernel, the vxlan device, dirs, NATS all fine; a missing device fails with its fix", async (c) => {
  const ok = await nodectl(c.n, ["doctor", "-o", "json"]);
  const failed = (ok.json.checks as Array<{ name: string; ok: boolean; required: boolean }>).filter((x) => !x.ok && x.required);
  assert.equal(failed, []);
  assert.is(ok.code, 0);
  const names = ok.json.checks.map((x: { name: string }) => x.name);
  for (const n of ["qemu-system-x86_64", "qemu-img", "ip", "bridge", "iptables-save", "genisoimage", "accelerator", "kernel vxlan", "device ul0", "nats"]) assert.ok(names.includes(n), n);
  const other = { ...c.n, configPath: writeConfig(c.n.dir, c.n.target.env.dataDir, c.nats.url, "eth9") };
  const bad = await nodectl(other, ["doctor", "-o", "json"]);
  assert.is(bad.code, 1);
  const dev = bad.json.checks.find((x: { name: string }) => x.name === "device eth9");
  assert.equal([dev.ok, dev.required], [false, true]);
  assert.match(dev.fix, "networkAgentConfig.vxlan.devName");
});

T("the socket is mode 0600 and refuses a non-root user", async (c) => {
  const mode = statSync(c.n.target.socketPath).mode & 0o777;
  assert.is(mode.toString(8), "600");
  // Open the directories, so only the socket's own mode stands between nobody and the agent.
  chmodSync(c.n.dir, 0o755);
  chmodSync(c.n.target.env.dataDir, 0o755);
  const probe = `require("net").connect(process.argv[1]).on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(3)})`;
  const r = spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, "-e", probe, c.n.target.socketPath], { encoding: "utf8" });
  assert.is(r.stdout.trim(), "EACCES", r.stderr);
  const root = spawnSync(process.execPath, ["-e", probe, c.n.target.socketPath], { encoding: "utf8" });
  assert.is(root.stdout.trim(), "CONNECTED", "root can connect: the refusal above is the mode's doing");
});

T("gc --dry-run through the agent lists the stray tap and removes nothing", async (c) => {
  await c.n.node.execChecked(["ip", "tuntap", "add", "dev", STRAY_TAP, "mode", "tap"]);
  await c.n.node.execChecked(["ip", "link", "add", "foreign0", "type", "bridge"]);
  const r = await nodectl(c.n, ["gc", "--dry-run", "-o", "json"]);
  assert.is(r.code, 0, r.err);
  assert.is(r.json.source, "agent");
  assert.equal(r.json.items, [{ apiType: "systemv0/virtualmachine", orphan: `tap:${STRAY_TAP}`, action: "would-remove" }]);
  assert.is((await c.n.node.exec(["ip", "link", "show", STRAY_TAP])).exitCode, 0);
});

T("agent stopped: status, ls, inspect, doctor still answer and say the agent is unreachable", async (c) => {
  await c.n.agent!.close();
  assert.not.ok(existsSync(c.n.target.socketPath), "socket removed on close");
  const st = await nodectl(c.n, ["status", "-o", "json"]);
  assert.is(st.code, 0, st.err);
  assert.equal([st.json.agent.reachable, st.json.source, st.json.lastCommands], [false, "host", 2]);
  assert.match(st.json.agent.error, "no socket");
  assert.equal(st.json.resources, { "systemv0/network": { Available: 1 }, "systemv0/blockstorage": { Active: 1 } });
  assert.match((await nodectl(c.n, ["status"])).out, "NOT REACHABLE");
  const ls = await nodectl(c.n, ["ls", "-o", "json"]);
  assert.equal([ls.json.source, ls.json.agentReachable, ls.json.resources.every((x: { agree: boolean }) => x.agree)], ["host", false, true]);
  const insp = await nodectl(c.n, ["inspect", "network", "net1", "-o", "json"]);
  assert.equal([insp.json.source, insp.json.hostObjects[0].name, insp.json.hostObjects[0].exists], ["host", BRIDGE, true]);
  const doc = await nodectl(c.n, ["doctor"]);
  assert.match(doc.out, "no socket");
  assert.is(doc.code, 0, doc.out);
});

T("drift with the agent down: the stray tap is an orphan; a bridge deleted by hand is drift", async (c) => {
  const before = await nodectl(c.n, ["drift", "-o", "json"]);
  assert.is(before.code, 1);
  assert.equal(before.json.drift, []);
  assert.equal(before.json.orphans, [{ apiType: "systemv0/virtualmachine", object: `tap:${STRAY_TAP}` }]);
  await c.n.node.execChecked(["ip", "link", "del", BRIDGE]);
  const after = await nodectl(c.n, ["drift", "-o", "json"]);
  const net = after.json.drift.find((d: { key: string }) => d.key === NET_KEY);
  assert.ok(net, JSON.stringify(after.json));
  assert.ok(net.problems.some((p: string) => p.includes(BRIDGE)), net.problems.join("; "));
  assert.not.ok(after.json.drift.some((d: { key: string }) => d.key === DISK_KEY), "the disk did not drift");
  const human = await nodectl(c.n, ["drift"]);
  assert.match(human.out, NET_KEY);
  assert.match(human.out, STRAY_TAP);
});

T("gc with the agent down removes the stray tap and nothing else", async (c) => {
  const r = await nodectl(c.n, ["gc", "-o", "json"]);
  assert.is(r.code, 0, r.err);
  assert.equal([r.json.source, r.json.items], ["host", [{ apiType: "systemv0/virtualmachine", orphan: `tap:${STRAY_TAP}`, action: "removed" }]]);
  assert.is((await c.n.node.exec(["ip", "link", "show", STRAY_TAP])).exitCode, 1, "stray tap removed");
  for (const keep of ["foreign0", VXLAN, "ul0"]) assert.is((await c.n.node.exec(["ip", "link", "show", keep])).exitCode, 0, `${keep} kept`);
  assert.ok(existsSync(`${c.n.target.env.blockStorageDir}/${GROUP}/ns1/disk1.qcow2`), "declared disk kept");
  const again = await nodectl(c.n, ["gc", "--dry-run", "-o", "json"]);
  assert.equal(again.json.items, []);
});

T("gc removes a dead router netns entry (its agent, run in ip netns exec, was killed) and reports it first", async (c) => {
  const dead = routerNetnsName(GROUP, "ns1", "deadvr");
  // `ip netns add` run inside the node: pinned in that command's private mount namespace, which
  // goes with it, as an agent's does when it is killed (issue #13).
  assert.is((await c.n.node.exec(["ip", "netns", "add", dead])).exitCode, 0);
  const listed = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").some((l) => l.split(" ")[0] === dead);
  try {
    assert.ok(listed(), "the dead entry is listed");
    const item = { apiType: "systemv0/virtualrouter", orphan: `netns ${dead}` };
    const dry = await nodectl(c.n, ["gc", "--dry-run", "-o", "json"]);
    assert.equal(dry.json.items.filter((i: { orphan: string }) => i.orphan === item.orphan), [{ ...item, action: "would-remove" }]);
    const r = await nodectl(c.n, ["gc", "-o", "json"]);
    assert.equal(r.json.items.filter((i: { orphan: string }) => i.orphan === item.orphan), [{ ...item, action: "removed" }]);
    assert.not.ok(listed(), "the entry is gone");
  } finally {
    spawnSync("ip", ["netns", "del", dead]);
  }
});

T("the real CLI: ls --output json inside the node's namespace, --help, exit code 2 on a usage error", async (c) => {
  const cli = ["ip", "netns", "exec", c.n.node.netns, process.execPath, "--import", "tsx", "cmd/nodectl.ts", "--config", c.n.configPath];
  const ls = spawnSync(cli[0]!, [...cli.slice(1), "ls", "-o", "json"], { encoding: "utf8" });
  assert.is(ls.status, 0, ls.stderr);
  const doc = JSON.parse(ls.stdout);
  assert.equal(doc.resources.map((x: { key: string }) => x.key), [DISK_KEY, NET_KEY]);
  const help = spawnSync(cli[0]!, [...cli.slice(1), "drift", "--help"], { encoding: "utf8" });
  assert.is(help.status, 0);
  assert.match(help.stdout, "--output");
  const bad = spawnSync(cli[0]!, [...cli.slice(1), "frobnicate"], { encoding: "utf8" });
  assert.is(bad.status, 2);
});

T.run();
