// Incarnations on the agent (issue #11): results and inventories carry the incarnation of the
// command they came from; a re-declared resource (new incarnation, new command id) runs even
// with the same generation and spec; an earlier incarnation's late delete does not remove the
// current one; a legacy command (no incarnation) gets nothing added.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const log = pino({ level: "silent" });
const VM = "systemv0/virtualmachine/g1/ns1/vm1";
const vmCmd = (commandId: string, over: Partial<NodeCommand> = {}): NodeCommand => ({
  commandId, op: "apply", key: VM, apiType: "systemv0/virtualmachine", id: "vm1", group: "g1", namespace: "ns1",
  annotations: {}, spec: { actionState: "PowerOn" }, generation: 1, context: {}, ...over,
});


interface Ctx { dir: string; bus: MemoryBus; vm: FakeDriver; agent: Agent }
const I = suite<Ctx>("agent incarnations", {} as Ctx);

I.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-inc-"));
  ctx.bus = new MemoryBus();
  ctx.vm = new FakeDriver("systemv0/virtualmachine");
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  ctx.agent = await startAgent({ config: testAgentSettings(ctx.dir, { nodeName: "n1", memoryGiB: 8 }), bus: ctx.bus.connectAgent(), drivers: [ctx.vm], runner, log, accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10 });
});
I.after.each(async (ctx) => {
  await ctx.agent.stop();
  await rm(ctx.dir, { recursive: true, force: true });
});

const send = (ctx: Ctx, cmd: NodeCommand) => ctx.bus.send("n1", cmd, { timeoutMs: 5000 });
async function inventoryOf(ctx: Ctx) {
  await ctx.agent.resync();
  return (await ctx.bus.inventories()).get("n1")?.resources ?? [];
}

I("results and the inventory carry the command's incarnation", async (ctx) => {
  const r = await send(ctx, vmCmd("a1", { incarnation: "inc-a" }));
  assert.is(r.observed?.incarnation, "inc-a");
  assert.equal((await inventoryOf(ctx)).map((o) => [o.key, o.incarnation]), [[VM, "inc-a"]]);
});

I("delete then re-declare with the same generation and spec: the new incarnation's apply runs", async (ctx) => {
  await send(ctx, vmCmd("a1", { incarnation: "inc-a" }));
  assert.ok((await send(ctx, vmCmd("d1", { op: "delete", incarnation: "inc-a" }))).ok);
  assert.equal(await inventoryOf(ctx), []);
  const again = await send(ctx, vmCmd("b1", { incarnation: "inc-b" }));
  assert.is(again.observed?.incarnation, "inc-b");
  assert.is(ctx.vm.calls.get(VM), 3);
  assert.ok(ctx.vm.host.has(VM));
  const events = (await readFile(join(ctx.dir, "journal.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { event: string }).event);
  assert.not.ok(events.includes("duplicate"));
});

I("a late delete of an earlier incarnation leaves the current one alone", async (ctx) => {
  await send(ctx, vmCmd("b1", { incarnation: "inc-b" }));
  const stale = await send(ctx, vmCmd("d-old", { op: "delete", incarnation: "inc-a" }));
  assert.ok(stale.ok);
  assert.is(ctx.vm.calls.get(VM), 1);
  assert.ok(ctx.vm.host.has(VM));
  assert.equal((await inventoryOf(ctx)).map((o) => o.incarnation), ["inc-b"]);
  const events = (await readFile(join(ctx.dir, "journal.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { event: string; commandId: string }));
  assert.ok(events.some((e) => e.event === "superseded" && e.commandId === "d-old"));
  // The current incarnation's delete does act.
  assert.ok((await send(ctx, vmCmd("d-b", { op: "delete", incarnation: "inc-b" }))).ok);
  assert.not.ok(ctx.vm.host.has(VM));
});

I("a legacy command (no incarnation) gets none added, and its delete is not compared", async (ctx) => {
  const r = await send(ctx, vmCmd("l1"));
  assert.is(r.observed !== undefined && "incarnation" in r.observed, false);
  assert.equal((await inventoryOf(ctx)).map((o) => "incarnation" in o), [false]);
  assert.ok((await send(ctx, vmCmd("l2", { op: "delete", incarnation: "inc-x" }))).ok);
  assert.not.ok(ctx.vm.host.has(VM));
});

I.run();
