import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { BusEvent, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { BusTimeoutError, NodeUnreachableError, ProtocolError } from "../../../reconciler/bus/errors.js";

const cmd: NodeCommand = {
  commandId: "c1",
  op: "apply",
  key: "systemv0/network/g1/ns1/net1",
  apiType: "systemv0/network",
  id: "net1",
  group: "g1",
  namespace: "ns1",
  annotations: {},
  spec: { id: "100" },
  generation: 1,
  context: {},
};
const reg = { name: "n1", address: "198.18.0.1", capacity: { vcpus: 8, memoryBytes: 8 << 30 }, agentVersion: "0.1.0", accelerator: "tcg" } as const;

const mem = suite("MemoryBus");

mem("a command round-trips through a connected agent, copied", async () => {
  const bus = new MemoryBus();
  const agent = bus.connectAgent();
  let seen: NodeCommand | undefined;
  await agent.serveCommands("n1", async (c) => {
    seen = c;
    return { commandId: c.commandId, key: c.key, ok: true, durationMs: 2 };
  });
  const res = await bus.send("n1", cmd, { timeoutMs: 1000 });
  assert.equal(res, { commandId: "c1", key: cmd.key, ok: true, durationMs: 2 });
  assert.equal(seen, cmd);
  assert.is.not(seen, cmd);
  assert.equal(bus.sent, [{ node: "n1", cmd }]);
  await agent.close();
  assert.instance(await bus.send("n1", cmd, { timeoutMs: 1000 }).catch((e: unknown) => e), NodeUnreachableError);
});

mem("unreachable, timeout, abort", async () => {
  const bus = new MemoryBus();
  const e1 = await bus.send("nope", cmd, { timeoutMs: 50 }).catch((e: unknown) => e);
  assert.instance(e1, NodeUnreachableError);
  assert.is((e1 as NodeUnreachableError).code, "NodeUnreachable");
  bus.handle("n1", () => new Promise(() => {}));
  const e2 = await bus.send("n1", cmd, { timeoutMs: 30 }).catch((e: unknown) => e);
  assert.instance(e2, BusTimeoutError);
  const ac = new AbortController();
  const p = bus.send("n1", cmd, { timeoutMs: 5000, signal: ac.signal }).catch((e: unknown) => e);
  ac.abort(new Error("stop"));
  assert.is(((await p) as Error).message, "stop");
});

mem("invalid command never reaches the agent; invalid reply is a ProtocolError; a throwing agent answers AgentError", async () => {
  const bus = new MemoryBus();
  let calls = 0;
  bus.handle("n1", async (c) => {
    calls++;
    if (c.commandId === "throw") throw new Error("boom");
    return { commandId: c.commandId, key: c.key, ok: false, durationMs: 1 };
  });
  const bad = { ...cmd, op: "destroy" } as unknown as NodeCommand;
  const e1 = await bus.send("n1", bad, { timeoutMs: 100 }).catch((e: unknown) => e);
  assert.instance(e1, ProtocolError);
  assert.match((e1 as Error).message, "/op");
  assert.is(calls, 0);
  const e2 = await bus.send("n1", cmd, { timeoutMs: 100 }).catch((e: unknown) => e);
  assert.instance(e2, ProtocolError);
  assert.is((e2 as ProtocolError).what, "reply");
  const r = await bus.send("n1", { ...cmd, commandId: "throw" }, { timeoutMs: 100 });
  assert.equal([r.ok, r.reason, r.message], [false, "AgentError", "boom"]);
});

mem("agent side: register, inventory, leave emit events; reads are copies", async () => {
  const bus = new MemoryBus();
  const events: BusEvent[] = [];
  const stop = bus.watch((e) => events.push(e));
  const agent = bus.connectAgent();
  await agent.register(reg);
  await agent.heartbeat({ node: "n1", seq: 1 });
  await agent.publishInventory({ node: "n1", resources: [], orphans: ["hm-x"] });
  await agent.leave("n1");
  assert.equal(events, [
    { type: "node", node: "n1", ready: true },
    { type: "inventory", node: "n1" },
    { type: "node", node: "n1", ready: false },
  ]);
  assert.equal(await bus.nodes(), [{ ...reg, ready: false }]);
  const inv = await bus.inventories();
  assert.equal(inv.get("n1"), { node: "n1", resources: [], orphans: ["hm-x"] });
  stop();
  bus.setReady("n1", true);
  assert.is(events.length, 3);
  assert.instance(await agent.register({ ...reg, name: "bad.name" }).catch((e: unknown) => e), ProtocolError);
});

mem.run();
