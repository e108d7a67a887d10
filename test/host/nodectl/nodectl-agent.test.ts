/**
 * nodectl against the real agent runtime (node-agent/agent/agent.ts) on a netns node, wired as
 * the production agent wires it: commands arrive over a MemoryBus, the real network driver
 * applies them, the runtime writes its journal and state files, and startDiagServer serves the
 * socket. nodectl reads what the runtime really wrote: command ids, results, errors, the last
 * commands once the agent is stopped, and a delete that takes a resource off the list.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { pino } from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import type { AgentSettings } from "../../../node-agent/config/agent-settings.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { startDiagServer, type DiagServer } from "../../../node-agent/diag/socket-server.js";
import { readLastCommands } from "../../../node-agent/diag/state-reader.js";
import { bridgeName } from "../../../schemas/host-names.js";
import { assertNoLeaks, createNode, snapshotHost, type HostSnapshot, type NodeHandle } from "../../helpers/netns.js";
import { GROUP, nodectl, prepareBareNode, removeDir, type NodectlNode } from "./node-fixture.js";

const log = pino({ level: "silent" });
const key = (id: string) => `systemv0/network/${GROUP}/ns1/${id}` as const;
const apply = (commandId: string, id: string, annotations: Record<string, string> = {}): NodeCommand => ({
  commandId, op: "apply", key: key(id), apiType: "systemv0/network", id, group: GROUP, namespace: "ns1",
  annotations: { "networkv0/network_type": "Bridge", ...annotations }, spec: { id: "7", ipv4CIDR: "198.19.9.0/24" }, generation: 1, context: {},
});

interface Ctx {
  before: HostSnapshot;
  node: NodeHandle;
  n: NodectlNode;
  bus: MemoryBus;
  agent: Agent;
  diag: DiagServer;
}
const T = suite<Ctx>("nodectl reads what the real agent runtime writes");

T.before(async (c) => {
  c.before = await snapshotHost();
  c.node = await createNode("nagt");
  c.n = await prepareBareNode(c.node, "nats://127.0.0.1:1");
  const settings: AgentSettings = {
    node: c.n.target.env, capacity: { vcpus: 4, memoryBytes: 4 * 1024 ** 3 }, nats: { servers: ["nats://127.0.0.1:1"] },
    parallelLimit: 2, resyncIntervalMs: 60_000, journalMaxBytes: 1024 * 1024, accelerator: "tcg", logLevel: "info", raw: {},
  };
  c.bus = new MemoryBus();
  const drivers = [new NetworkDriver()];
  c.agent = await startAgent({ config: settings, bus: c.bus.connectAgent(), drivers, runner: c.node.runner, log, accelerator: { accelerator: "tcg", reason: "test" }, agentVersion: "0.1.0" });
  const startedAt = c.agent.startedAt.toISOString();
  c.diag = await startDiagServer({
    socketPath: c.n.target.socketPath,
    getStatus: () => ({ version: "0.1.0", nodeName: "n1", startedAt, pid: process.pid, capacity: settings.capacity, accelerator: c.agent.accelerator }),
    drivers,
    driverContext: () => c.n.ctx,
    knownCommands: async () => (await readLastCommands(c.n.target.stateDir)).commands,
    log,
    inflight: () => c.agent.inflight(),
  });
});

T.after(async (c) => {
  await c.diag?.close().catch(() => undefined);
  await c.agent?.stop().catch(() => undefined);
  await c.node?.cleanup();
  removeDir(c.n);
  await assertNoLeaks(c.before);
});

T("an applied command: events show received, started, result with its id; ls and inspect agree", async (c) => {
  const res = await c.bus.send("n1", apply("cmd-a1", "neta"), { timeoutMs: 30_000 });
  assert.ok(res.ok, JSON.stringify(res));
  const ev = await nodectl(c.n, ["events", "-o", "json"]);
  const mine = (ev.json.entries as Array<{ event: string; commandId?: string; ok?: boolean; durationMs?: number }>).filter((e) => e.commandId === "cmd-a1");
  assert.equal(mine.map((e) => e.event), ["received", "started", "result"]);
  assert.is(mine[2]!.ok, true);
  assert.ok(typeof mine[2]!.durationMs === "number");
  const ls = await nodectl(c.n, ["ls", "-o", "json"]);
  assert.equal(ls.json.resources.map((r: { key: string; agree: boolean }) => [r.key, r.agree]), [[key("neta"), true]]);
  const insp = await nodectl(c.n, ["inspect", "network", "neta", "-o", "json"]);
  assert.equal([insp.json.lastCommand.commandId, insp.json.hostObjects[0].name, insp.json.hostObjects[0].exists], ["cmd-a1", bridgeName(GROUP, "ns1", "neta"), true]);
});

T("a failing command is the last error in status and shows in events", async (c) => {
  const res = await c.bus.send("n1", apply("cmd-b1", "netb", { "networkv0/network_type": "VLAN" }), { timeoutMs: 30_000 });
  assert.not.ok(res.ok);
  const st = await nodectl(c.n, ["status", "-o", "json"]);
  assert.equal([st.json.agent.reachable, st.json.lastError.key], [true, key("netb")]);
  assert.match(st.json.lastError.message, res.reason!);
  const ev = await nodectl(c.n, ["events", "--since", "1m"]);
  assert.match(ev.out, "FAILED");
});

T("agent stopped: ls reads the runtime's state files; the failed network is declared but missing", async (c) => {
  await c.diag.close();
  await c.agent.stop();
  const ls = await nodectl(c.n, ["ls", "-o", "json"]);
  assert.is(ls.json.source, "host");
  const rows = ls.json.resources as Array<{ key: string; agree: boolean; observedState: string }>;
  assert.equal(rows.map((r) => [r.key, r.agree]), [[key("neta"), true], [key("netb"), false]], JSON.stringify(rows));
  const st = await nodectl(c.n, ["status", "-o", "json"]);
  assert.equal([st.json.agent.reachable, st.json.lastCommands], [false, 2]);
});

T("a delete through a restarted agent takes the resource off the list", async (c) => {
  c.bus = new MemoryBus();
  const settings: AgentSettings = {
    node: c.n.target.env, capacity: { vcpus: 4, memoryBytes: 4 * 1024 ** 3 }, nats: { servers: ["nats://127.0.0.1:1"] },
    parallelLimit: 2, resyncIntervalMs: 60_000, journalMaxBytes: 1024 * 1024, accelerator: "tcg", logLevel: "info", raw: {},
  };
  c.agent = await startAgent({ config: settings, bus: c.bus.connectAgent(), drivers: [new NetworkDriver()], runner: c.node.runner, log, accelerator: { accelerator: "tcg", reason: "test" } });
  for (const id of ["neta", "netb"]) {
    const res = await c.bus.send("n1", { ...apply(`cmd-del-${id}`, id), op: "delete" }, { timeoutMs: 30_000 });
    assert.ok(res.ok, JSON.stringify(res));
  }
  const ls = await nodectl(c.n, ["ls", "-o", "json"]);
  assert.equal(ls.json.resources, []);
  const d = await nodectl(c.n, ["drift", "-o", "json"]);
  assert.equal([d.code, d.json.orphans], [0, []]);
});

T.run();
