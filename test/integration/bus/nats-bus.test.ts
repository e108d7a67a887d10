/**
 * Both NATS adapters against a real nats-server: commands round-trip, invalid messages are
 * rejected on both ends, liveness expires through the bucket TTL, a new controller bus reads
 * the last inventories from KV, and both sides recover from a nats-server restart.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import pino from "pino";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { NatsControllerBus } from "../../../reconciler/bus/nats-controller-bus.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import type { BusEvent, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { BusTimeoutError, NodeUnreachableError, ProtocolError } from "../../../reconciler/bus/errors.js";
import { InvalidOutgoingMessageError } from "../../../node-agent/bus/errors.js";
import { BUCKETS, commandSubject } from "../../../schemas/protocol/subjects.js";
import { until } from "../../helpers/until.js";

const log = pino({ level: "silent" });
const reg = { name: "n1", address: "198.18.0.1", capacity: { vcpus: 4, memoryBytes: 1 << 30 }, agentVersion: "0.1.0", accelerator: "tcg" } as const;
const cmd = (commandId: string): NodeCommand => ({
  commandId,
  op: "apply",
  key: "systemv0/network/g1/ns1/net1",
  apiType: "systemv0/network",
  id: "net1",
  group: "g1",
  namespace: "ns1",
  annotations: {},
  spec: { id: "100" },
  generation: 3,
  context: {},
});
const echo = async (c: NodeCommand) => ({ commandId: c.commandId, key: c.key, ok: true, durationMs: 1 });

const bus = suite<{ nats: NatsServer }>("nats buses", { nats: undefined as unknown as NatsServer });
bus.before(async (ctx) => {
  ctx.nats = await startNats({ jetstream: true });
});
bus.after(async (ctx) => {
  await ctx.nats?.stop();
});

bus("a command round-trips; unknown node is unreachable; a silent agent times out", async ({ nats }) => {
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log });
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n1", log });
  try {
    let seen: NodeCommand | undefined;
    await agent.serveCommands("n1", async (c) => ((seen = c), echo(c)));
    assert.equal(await ctl.send("n1", cmd("c1"), { timeoutMs: 2000 }), { commandId: "c1", key: cmd("c1").key, ok: true, durationMs: 1 });
    const { sentAt, ...received } = seen as unknown as NodeCommand;
    assert.equal(received, cmd("c1"));
    assert.ok(sentAt !== undefined && Math.abs(Date.now() - Date.parse(sentAt)) < 10_000, `sentAt ${sentAt}: the controller's clock at send`);
    assert.instance(await ctl.send("nobody", cmd("c2"), { timeoutMs: 2000 }).catch((e: unknown) => e), NodeUnreachableError);
    let release = () => {};
    const stuck = new Promise<void>((r) => (release = r));
    await agent.serveCommands("slow", async (c) => (await stuck, echo(c)));
    const t = await ctl.send("slow", cmd("c3"), { timeoutMs: 200 }).catch((e: unknown) => e);
    assert.instance(t, BusTimeoutError);
    const ac = new AbortController();
    const p = ctl.send("slow", cmd("c4"), { timeoutMs: 5000, signal: ac.signal }).catch((e: unknown) => e);
    ac.abort(new Error("cancelled"));
    assert.is(((await p) as Error).message, "cancelled");
    release();
  } finally {
    await ctl.close();
    await agent.close();
  }
});

bus("invalid messages are rejected on both ends, never acted on", async ({ nats }) => {
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log });
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n2", log });
  const raw = await connect({ servers: nats.url });
  try {
    let calls = 0;
    await agent.serveCommands("n2", async (c) => (calls++, c.commandId === "bad-result" ? { ...(await echo(c)), ok: false } : echo(c)));
    // The controller refuses to send an invalid command.
    const bad = { ...cmd("c1"), generation: -1 };
    const e1 = await ctl.send("n2", bad, { timeoutMs: 1000 }).catch((e: unknown) => e);
    assert.instance(e1, ProtocolError);
    assert.match((e1 as Error).message, "/generation");
    // The agent rejects an invalid command sent by someone else, and does not run it.
    const reply = await raw.request(commandSubject("n2"), JSON.stringify({ ...cmd("c2"), op: "explode" }), { timeout: 1000 });
    const rej = reply.json<{ rejected: boolean; reason: string; message: string }>();
    assert.equal([rej.rejected, rej.reason], [true, "InvalidMessage"]);
    assert.match(rej.message, "/op");
    const notJson = (await raw.request(commandSubject("n2"), "{nope", { timeout: 1000 })).json<{ reason: string }>();
    assert.is(notJson.reason, "InvalidMessage");
    assert.is(calls, 0);
    // A result that does not validate (ok false without reason) is answered as AgentError.
    const r = await ctl.send("n2", cmd("bad-result"), { timeoutMs: 1000 });
    assert.equal([r.ok, r.reason], [false, "AgentError"]);
    // The agent refuses to publish invalid messages.
    const e2 = await agent.publishInventory({ node: "n2", resources: [{ key: "x" } as never], orphans: [] }).catch((e: unknown) => e);
    assert.instance(e2, InvalidOutgoingMessageError);
    // The controller ignores an invalid registration written behind its back.
    const kv = await new Kvm(raw).open(BUCKETS.nodes);
    const seen: BusEvent[] = [];
    const unwatch = ctl.watch((e) => seen.push(e));
    await kv.put("evil", JSON.stringify({ name: "evil" }));
    await until("the controller took the invalid registration in", () => seen.some((e) => e.type === "node" && e.node === "evil"), 5000);
    unwatch();
    assert.not.ok((await ctl.nodes()).some((n) => n.name === "evil"));
    await kv.delete("evil");
  } finally {
    await raw.close();
    await ctl.close();
    await agent.close();
  }
});

bus("registration, inventory and liveness; a new controller bus reads the last inventories", async ({ nats }) => {
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log, livenessPollMs: 500 });
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n1", log });
  const events: BusEvent[] = [];
  const unwatch = ctl.watch((e) => events.push(e));
  try {
    await agent.register(reg);
    const inv = { node: "n1", resources: [{ key: "systemv0/network/g1/ns1/net1", apiType: "systemv0/network", state: "Active", details: { bridge: "hb-x" }, generation: 3 }], orphans: ["hb-old"] } as const;
    await agent.publishInventory(inv);
    await until("ready + inventory events", () => events.some((e) => e.type === "inventory") && events.some((e) => e.type === "node" && e.ready), 5000);
    // Registration and liveness come from two buckets' watchers: either may be seen first.
    await until("registered and ready", async () => (await ctl.nodes()).some((n) => n.ready), 5000);
    assert.equal(await ctl.nodes(), [{ ...reg, ready: true }]);
    assert.equal((await ctl.inventories()).get("n1"), inv);
    const again = await NatsControllerBus.connect({ servers: nats.url, log });
    assert.equal((await again.inventories()).get("n1"), inv);
    await again.close();
    const mark = events.length; // a registration seen before its liveness was a not-ready event too
    await agent.leave("n1");
    await until("not ready after leave", () => events.slice(mark).some((e) => e.type === "node" && !e.ready), 3000);
    assert.equal(await ctl.nodes(), [{ ...reg, ready: false }]);
  } finally {
    unwatch();
    await ctl.close();
    await agent.close();
  }
});

bus("an inventory written again unchanged (an agent's resync) starts no controller sync; a changed one does", async ({ nats }) => {
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n6", log });
  const raw = await connect({ servers: nats.url });
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log });
  const events: BusEvent[] = [];
  const unwatch = ctl.watch((e) => events.push(e));
  const inventoryEvents = () => events.filter((e) => e.type === "inventory" && e.node === "n6").length;
  try {
    await agent.register({ ...reg, name: "n6" });
    await agent.publishInventory({ node: "n6", resources: [], orphans: [] });
    await until("the first inventory's event", () => inventoryEvents() === 1, 5000);
    // The same bytes again, twice: new revisions of the key, no new information.
    const kv = await new Kvm(raw).open(BUCKETS.inventory);
    const same = (await kv.get("n6"))!.value;
    const r1 = await kv.put("n6", same);
    const r2 = await kv.put("n6", same);
    assert.ok(r2 > r1);
    // Then a change: its event comes after whatever the two unchanged writes caused.
    await agent.publishInventory({ node: "n6", resources: [], orphans: ["hb-changed"] });
    await until("the changed inventory in the view", async () => (await ctl.inventories()).get("n6")?.orphans.length === 1, 5000);
    await until("the change's event", () => inventoryEvents() >= 2, 5000);
    assert.is(inventoryEvents(), 2, "one event for the first inventory, one for the change, none for the unchanged writes");
  } finally {
    unwatch();
    await ctl.close();
    await agent.close();
    await raw.close();
  }
});

bus("nodes() and inventories() answer from memory: no JetStream request, and they follow puts and deletes", async ({ nats }) => {
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n5", log });
  const raw = await connect({ servers: nats.url });
  // Every JetStream API request is a core NATS message on $JS.API.>: count the controller's.
  let jsRequests = 0;
  const spy = raw.subscribe("$JS.API.>", { callback: () => { jsRequests++; } });
  await raw.flush();
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log, livenessPollMs: 3_600_000 });
  const events: BusEvent[] = [];
  const unwatch = ctl.watch((e) => events.push(e));
  try {
    await agent.register({ ...reg, name: "n5" });
    const inv = { node: "n5", resources: [], orphans: [] };
    await agent.publishInventory(inv);
    await until("n5's inventory, by its watcher", async () => (await ctl.inventories()).has("n5"), 5000);
    await until("n5's registration, by its watcher", async () => (await ctl.nodes()).some((n) => n.name === "n5"), 5000);
    const before = jsRequests;
    for (let i = 0; i < 50; i++) await Promise.all([ctl.nodes(), ctl.inventories()]);
    await raw.flush();
    assert.is(jsRequests - before, 0, "50 reads made JetStream requests");
    assert.ok(before > 0, "the spy sees the controller's JetStream requests at connect");
    // A deleted inventory is gone from the view (the watcher takes delete markers).
    const kv = await new Kvm(raw).open(BUCKETS.inventory);
    await kv.delete("n5");
    await until("n5's inventory gone", async () => !(await ctl.inventories()).has("n5"), 5000);
    assert.ok(events.some((e) => e.type === "inventory" && e.node === "n5"));
    // A controller bus started later lists what is there now.
    await agent.publishInventory({ ...inv, orphans: ["hb-late"] });
    await until("republished", async () => (await ctl.inventories()).get("n5")?.orphans.length === 1, 5000);
    const later = await NatsControllerBus.connect({ servers: nats.url, log });
    assert.equal((await later.inventories()).get("n5"), { ...inv, orphans: ["hb-late"] });
    await later.close();
  } finally {
    unwatch();
    spy.unsubscribe();
    await raw.close();
    await ctl.close();
    await agent.leave("n5").catch(() => undefined);
    await agent.close();
  }
});

bus("a silent node turns not ready through the bucket TTL within 15 s", async ({ nats }) => {
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log, livenessPollMs: 1000 });
  const agent = await NatsAgentBus.connect({ servers: nats.url, node: "n3", log });
  try {
    await agent.register({ ...reg, name: "n3" });
    await agent.close(); // silent from now on: no leave, no heartbeat
    const stoppedAt = Date.now();
    let notReadyAt = 0;
    ctl.watch((e) => {
      if (e.type === "node" && e.node === "n3" && !e.ready && notReadyAt === 0) notReadyAt = Date.now();
    });
    await until("n3 not ready", () => notReadyAt > 0, 20_000);
    const seconds = (notReadyAt - stoppedAt) / 1000;
    assert.ok(seconds <= 15, `took ${seconds} s`);
    assert.ok(seconds >= 5, `expired too early: ${seconds} s`);
    assert.is((await ctl.nodes()).find((n) => n.name === "n3")?.ready, false);
  } finally {
    await ctl.close();
  }
});

bus("both sides recover from a nats-server restart on the same port and store", async (ctx) => {
  const ctl = await NatsControllerBus.connect({ servers: ctx.nats.url, log });
  const agent = await NatsAgentBus.connect({ servers: ctx.nats.url, node: "n4", log });
  const events: BusEvent[] = [];
  ctl.watch((e) => events.push(e));
  try {
    await agent.serveCommands("n4", echo);
    await agent.register({ ...reg, name: "n4" });
    assert.ok((await ctl.send("n4", cmd("before"), { timeoutMs: 2000 })).ok);
    ctx.nats = await ctx.nats.restart();
    await until("controller reconnected", () => events.some((e) => e.type === "reconnected"), 20_000);
    await until("command flows again", async () => {
      const r = await ctl.send("n4", cmd("after"), { timeoutMs: 1000 }).catch(() => undefined);
      return r?.ok === true;
    }, 20_000);
    await agent.publishInventory({ node: "n4", resources: [], orphans: [] });
    await until("inventory event after restart", () => events.some((e) => e.type === "inventory" && e.node === "n4"), 10_000);
    assert.ok((await ctl.nodes()).some((n) => n.name === "n4"));
  } finally {
    await ctl.close();
    await agent.close();
  }
});

bus.run();
