import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { BusEvent, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { NodeUnreachableError } from "../../../reconciler/bus/errors.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { until } from "../../helpers/until.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const log = pino({ level: "silent" });
const NET = "systemv0/network/g1/ns1/net1";
const netCmd = (commandId: string, over: Partial<NodeCommand> = {}): NodeCommand => ({
  commandId, op: "apply", key: NET, apiType: "systemv0/network", id: "net1", group: "g1", namespace: "ns1",
  annotations: {}, spec: { id: "100" }, generation: 1, context: {}, ...over,
});
const vmCmd = (commandId: string, id: string): NodeCommand => ({
  commandId, op: "apply", key: `systemv0/virtualmachine/g1/ns1/${id}`, apiType: "systemv0/virtualmachine", id, group: "g1", namespace: "ns1",
  annotations: {}, spec: { actionState: "PowerOff" }, generation: 2, context: {},
});


interface Ctx { dir: string; bus: MemoryBus; runner: RecordingRunner; net: FakeDriver; vm: FakeDriver; agent: Agent }
const A = suite<Ctx>("agent runtime", {} as Ctx);

async function boot(ctx: Ctx): Promise<void> {
  ctx.net = new FakeDriver("systemv0/network");
  ctx.vm = new FakeDriver("systemv0/virtualmachine");
  ctx.agent = await startAgent({
    config: testAgentSettings(ctx.dir, { nodeName: "n1", memoryGiB: 8 }), bus: ctx.bus.connectAgent(), drivers: [ctx.net, ctx.vm], runner: ctx.runner, log,
    accelerator: { accelerator: "tcg", reason: "test" }, agentVersion: "1.2.3", inventoryDebounceMs: 10,
  });
}

A.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-agent-"));
  ctx.bus = new MemoryBus();
  ctx.runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  await boot(ctx);
});
A.after.each(async (ctx) => {
  await ctx.agent.stop();
  await rm(ctx.dir, { recursive: true, force: true });
});

A("registers with capacity and accelerator; a command runs through its driver, journaled and kept on disk", async (ctx) => {
  assert.equal(await ctx.bus.nodes(), [{ name: "n1", address: "198.18.0.1", capacity: { vcpus: 8, memoryBytes: 8 * 1024 ** 3 }, agentVersion: "1.2.3", accelerator: "tcg", protocol: "1.3", ready: true }]);
  const r = await ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 });
  assert.is(r.ok, true);
  assert.equal(r.observed?.state, "Active");
  assert.equal(r.observed?.node, "n1");
  assert.equal(ctx.runner.argvs, [["fake", "apply", NET, "1"]]);
  const events = (await readFile(join(ctx.dir, "journal.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; commandId: string });
  assert.equal(events.map((e) => e.event), ["received", "started", "result"]);
  const files = await readdir(join(ctx.dir, "state"));
  assert.equal(files, [`${encodeURIComponent(NET)}.json`]);
  const saved = JSON.parse(await readFile(join(ctx.dir, "state", files[0]!), "utf8")) as { command: NodeCommand; result: { commandId: string } };
  assert.equal([saved.command.commandId, saved.result.commandId], ["c1", "c1"]);
  const del = await ctx.bus.send("n1", netCmd("c2", { op: "delete" }), { timeoutMs: 2000 });
  assert.is(del.ok, true);
  assert.equal(await readdir(join(ctx.dir, "state")), []);
});

A("a delete that names only the resource (its manifest is gone) reaches the driver with what this node last applied, also when retried and after a restart", async (ctx) => {
  const applied = { annotations: { "networkv0/network_type": "VXLAN" }, spec: { id: "100", ipv4CIDR: "10.0.0.0/24" } };
  assert.is((await ctx.bus.send("n1", netCmd("c1", applied), { timeoutMs: 2000 })).ok, true);
  ctx.net.failOn(NET, new Error("busy"));
  const bare = { op: "delete" as const, annotations: {}, spec: {} };
  assert.is((await ctx.bus.send("n1", netCmd("d1", bare), { timeoutMs: 2000 })).ok, false);
  await ctx.agent.stop();
  await boot(ctx);
  assert.is((await ctx.bus.send("n1", netCmd("d2", bare), { timeoutMs: 2000 })).ok, true);
  assert.equal(ctx.net.removeCommands.map((c) => [c.annotations, c.spec]), [[applied.annotations, applied.spec]], "after the restart");
  // A delete that carries annotations and a spec keeps its own.
  await ctx.bus.send("n1", netCmd("c3", applied), { timeoutMs: 2000 });
  const own = { op: "delete" as const, annotations: { "networkv0/network_type": "Bridge" }, spec: { id: "0" } };
  assert.is((await ctx.bus.send("n1", netCmd("d3", own), { timeoutMs: 2000 })).ok, true);
  assert.equal([ctx.net.removeCommands.at(-1)!.annotations, ctx.net.removeCommands.at(-1)!.spec], [own.annotations, own.spec]);
});

A("a re-delivered commandId is answered without running again, also while in flight", async (ctx) => {
  ctx.net.delayMs = 100;
  const [a, b] = await Promise.all([ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 }), ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 })]);
  const c = await ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 });
  assert.equal(a, b);
  assert.equal(a, c);
  assert.is(ctx.net.calls.get(NET), 1);
  await ctx.bus.send("n1", netCmd("c2", { generation: 2 }), { timeoutMs: 2000 });
  assert.is(ctx.net.calls.get(NET), 2);
});

A("a restarted agent answers a re-sent commandId from disk without running it", async (ctx) => {
  const first = await ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 });
  await ctx.agent.stop();
  await boot(ctx); // fresh drivers: an empty host, so a re-run would be visible
  const again = await ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 });
  assert.equal(again, first);
  assert.is(ctx.net.calls.get(NET), undefined);
  // Without the journal, the resource's state file still knows its last command's result.
  await ctx.agent.stop();
  await rm(join(ctx.dir, "journal.jsonl"));
  await boot(ctx);
  assert.equal(await ctx.bus.send("n1", netCmd("c1"), { timeoutMs: 2000 }), first);
  assert.is(ctx.net.calls.get(NET), undefined);
});

A("failures are results: no driver -> Unsupported, a failed host command -> CommandFailed, a driver reason is kept", async (ctx) => {
  const img = await ctx.bus.send("n1", { ...netCmd("u1"), apiType: "systemv0/blockstorage", key: "systemv0/blockstorage/g1/ns1/d1", id: "d1" }, { timeoutMs: 2000 });
  assert.equal([img.ok, img.reason], [false, "Unsupported"]);
  ctx.runner.on(["fake", "apply", NET, "1"], { exitCode: 2, stderr: "RTNETLINK answers: File exists" });
  const bad = await ctx.bus.send("n1", netCmd("f1"), { timeoutMs: 2000 });
  assert.equal([bad.ok, bad.reason], [false, "CommandFailed"]);
  assert.match(bad.message ?? "", "File exists");
  ctx.net.failOn(NET, Object.assign(new Error("no such bridge"), { reason: "MissingDevice" }));
  const r = await ctx.bus.send("n1", netCmd("f2"), { timeoutMs: 2000 });
  assert.equal([r.reason, r.message], ["MissingDevice", "no such bridge"]);
});

A("one command at a time per resource, resources in parallel", async (ctx) => {
  // Same key: held 150 ms each and sent together, the two would overlap if the agent let them.
  // The two requests may reach the agent in either order: when generation 1 is admitted first,
  // generation 2 supersedes it (issue #11) and it may never reach the host.
  ctx.net.delayMs = 150;
  await Promise.all([
    ctx.bus.send("n1", netCmd("s1", { generation: 2 }), { timeoutMs: 5000 }),
    ctx.bus.send("n1", netCmd("s2"), { timeoutMs: 5000 }),
  ]);
  assert.is(ctx.net.maxInFlight.get(NET), 1, "two commands of one resource ran at once");
  // Whatever the order, generation 2 ran, alone.
  assert.ok(ctx.runner.argvs.some((a) => a[2] === NET && a[3] === "2"));
  // Different keys: both are in flight at once (the gate holds them until they are).
  let release!: () => void;
  ctx.vm.gate = new Promise<void>((r) => (release = r));
  const both = Promise.all([ctx.bus.send("n1", vmCmd("p1", "vm1"), { timeoutMs: 10_000 }), ctx.bus.send("n1", vmCmd("p2", "vm2"), { timeoutMs: 10_000 })]);
  await until("both VMs' commands in flight at once", () => ctx.vm.maxInFlightTotal === 2, 5000, 10);
  release();
  ctx.vm.gate = undefined;
  assert.ok((await both).every((r) => r.ok));
});

A("inventory is published on change only, never partially", async (ctx) => {
  const events: BusEvent[] = [];
  ctx.bus.watch((e) => events.push(e));
  await ctx.bus.send("n1", vmCmd("v1", "vm1"), { timeoutMs: 2000 });
  const published = async () => ((await ctx.bus.inventories()).get("n1")?.resources.length ?? 0) > 0;
  for (let i = 0; i < 100 && !(await published()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(events.some((e) => e.type === "inventory"));
  const inv = (await ctx.bus.inventories()).get("n1");
  assert.equal(inv?.resources.map((r) => [r.key, r.state, r.node]), [["systemv0/virtualmachine/g1/ns1/vm1", "Stopped", "n1"]]);
  assert.is(await ctx.agent.resync(), false);
  ctx.net.strays.add("hmb-stray");
  assert.is(await ctx.agent.resync(), true);
  assert.equal((await ctx.bus.inventories()).get("n1")?.orphans, ["hmb-stray"]);
  ctx.vm.failInventory(new Error("qmp down"));
  ctx.net.strays.clear();
  assert.is(await ctx.agent.resync(), false);
  assert.equal((await ctx.bus.inventories()).get("n1")?.orphans, ["hmb-stray"]);
});

A("a driver's invalid report becomes an InvalidObserved error on that resource; the inventory still goes out", async (ctx) => {
  const apply = ctx.vm.apply.bind(ctx.vm);
  ctx.vm.apply = async (c, dctx) => ({ ...(await apply(c, dctx)), state: "", reason: "not pascal" });
  const inventory = ctx.vm.inventory.bind(ctx.vm);
  ctx.vm.inventory = async (dctx, known) => {
    const inv = await inventory(dctx, known);
    return { ...inv, resources: inv.resources.map((r) => ({ ...r, state: "" })) };
  };
  const r = await ctx.bus.send("n1", vmCmd("bad1", "vm9"), { timeoutMs: 2000 });
  assert.equal([r.ok, r.observed?.state, r.observed?.reason, r.observed?.generation], [true, "Error", "InvalidObserved", 2]);
  assert.match(r.observed?.message ?? "", "/state");
  await ctx.agent.resync();
  const inv = (await ctx.bus.inventories()).get("n1");
  assert.equal(inv?.resources.map((x) => [x.key, x.state, x.reason]), [["systemv0/virtualmachine/g1/ns1/vm9", "Error", "InvalidObserved"]]);
});

A("stop: the node leaves (not ready) and stops serving", async (ctx) => {
  await ctx.agent.stop();
  assert.is((await ctx.bus.nodes())[0]?.ready, false);
  assert.instance(await ctx.bus.send("n1", netCmd("x"), { timeoutMs: 500 }).catch((e: unknown) => e), NodeUnreachableError);
  await boot(ctx);
  assert.is((await ctx.bus.nodes())[0]?.ready, true);
});

A("the node is ready only once its commands are served: a command sent the moment it turns ready is taken", async (ctx) => {
  await ctx.agent.stop();
  const calls: string[] = [];
  const inner = ctx.bus.connectAgent();
  const bus = new Proxy(inner, {
    get: (t, p, r) => {
      const v = Reflect.get(t, p, r) as unknown;
      return typeof v === "function" ? (...args: unknown[]) => (calls.push(String(p)), (v as (...a: unknown[]) => unknown).apply(t, args)) : v;
    },
  });
  ctx.agent = await startAgent({ config: testAgentSettings(ctx.dir, { nodeName: "n1", memoryGiB: 8 }), bus, drivers: [ctx.net], runner: ctx.runner, log, accelerator: { accelerator: "tcg", reason: "test" } });
  const served = calls.indexOf("serveCommands");
  assert.ok(served >= 0 && served < calls.indexOf("register"), calls.join(","));
});

A.run();
