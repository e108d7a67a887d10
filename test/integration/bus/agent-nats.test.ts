/**
 * The agent runtime over a real nats-server, driven by the controller's NatsControllerBus:
 * commands round-trip to the (fake) drivers, a re-sent commandId is not executed twice even
 * across an agent restart, and both sides carry on after nats-server restarts.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { NatsControllerBus } from "../../../reconciler/bus/nats-controller-bus.js";
import type { BusEvent, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import type { AgentSettings } from "../../../node-agent/config/agent-settings.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { until } from "../../helpers/until.js";

const log = pino({ level: "silent" });
const KEY = "systemv0/network/g1/ns1/net1";
const cmd = (commandId: string, generation = 1): NodeCommand => ({
  commandId, op: "apply", key: KEY, apiType: "systemv0/network", id: "net1", group: "g1", namespace: "ns1",
  annotations: {}, spec: { id: "100" }, generation, context: {},
});

interface Ctx { nats: NatsServer; dir: string; driver: FakeDriver; runner: RecordingRunner; agent: Agent | undefined; bus?: NatsAgentBus }
const T = suite<Ctx>("agent over nats", {} as Ctx);

async function boot(ctx: Ctx): Promise<Agent> {
  ctx.driver = new FakeDriver("systemv0/network");
  const config: AgentSettings = {
    node: { nodeName: "n1", address: "198.18.0.1", dataDir: ctx.dir, blockStorageDir: join(ctx.dir, "bs"), imageDir: join(ctx.dir, "img") },
    capacity: { vcpus: 2, memoryBytes: 2 * 1024 ** 3 }, nats: { servers: [ctx.nats.url] }, parallelLimit: 2,
    resyncIntervalMs: 60_000, journalMaxBytes: 1 << 20, accelerator: "tcg", logLevel: "info", raw: {},
  };
  const bus = await NatsAgentBus.connect({ servers: ctx.nats.url, node: "n1", log });
  ctx.bus = bus;
  ctx.agent = await startAgent({ config, bus, drivers: [ctx.driver], runner: ctx.runner, log, accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10 });
  return ctx.agent;
}

T.before.each(async (ctx) => {
  ctx.nats = await startNats({ jetstream: true });
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-agent-nats-"));
  ctx.runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  ctx.agent = undefined;
});
T.after.each(async (ctx) => {
  await ctx.agent?.stop();
  await ctx.nats.stop();
  await rm(ctx.dir, { recursive: true, force: true });
});

T("controller bus -> agent -> driver -> result, inventory in KV; re-sent commandIds run once, also across an agent restart", async (ctx) => {
  const ctl = await NatsControllerBus.connect({ servers: ctx.nats.url, log });
  try {
    await boot(ctx);
    const first = await ctl.send("n1", cmd("c1"), { timeoutMs: 3000 });
    assert.equal([first.ok, first.observed?.state, first.observed?.generation, first.observed?.node], [true, "Active", 1, "n1"]);
    assert.equal(ctx.runner.argvs, [["fake", "apply", KEY, "1"]]);
    await until("inventory with the network", async () => (await ctl.inventories()).get("n1")?.resources[0]?.key === KEY, 5000);
    // The controller re-sends after a timeout: same answer, not run again.
    assert.equal(await ctl.send("n1", cmd("c1"), { timeoutMs: 3000 }), first);
    assert.is(ctx.driver.calls.get(KEY), 1);
    await ctx.agent!.stop();
    await boot(ctx);
    assert.equal(await ctl.send("n1", cmd("c1"), { timeoutMs: 3000 }), first);
    assert.is(ctx.driver.calls.get(KEY), undefined, "the restarted agent must not run c1 again");
    assert.is((await ctl.send("n1", cmd("c2", 2), { timeoutMs: 3000 })).ok, true);
    assert.is(ctx.driver.calls.get(KEY), 1);
  } finally {
    await ctl.close();
  }
});

T("nats-server restarts on the same port and store: both sides recover, commands flow again", async (ctx) => {
  const ctl = await NatsControllerBus.connect({ servers: ctx.nats.url, log, livenessPollMs: 500 });
  const events: BusEvent[] = [];
  ctl.watch((e) => events.push(e));
  try {
    await boot(ctx);
    assert.is((await ctl.send("n1", cmd("before"), { timeoutMs: 3000 })).ok, true);
    ctx.nats = await ctx.nats.restart();
    await until("reconnected event", () => events.some((e) => e.type === "reconnected"), 20_000);
    await until("a command answered after the restart", async () => (await ctl.send("n1", cmd("after", 2), { timeoutMs: 1000 }).catch(() => undefined))?.ok === true, 20_000);
    await until("node ready again", async () => (await ctl.nodes()).some((n) => n.name === "n1" && n.ready), 10_000);
    assert.is(ctx.driver.calls.get(KEY), 2);
    // What nodectl status shows of the connection: up again, one reconnect, a recent message.
    const conn = ctx.bus!.connection();
    assert.is(conn.connected, true);
    assert.is(conn.reconnects, 1);
    assert.ok(conn.server?.includes(String(ctx.nats.port)), conn.server);
    assert.ok(Date.now() - Date.parse(conn.lastMessageAt ?? "0") < 10_000, conn.lastMessageAt);
  } finally {
    await ctl.close();
  }
});

T.run();

const L = suite("production launcher and nats-server availability");

L("an agent started before nats-server registers once it comes up; refused credentials fail at once", async () => {
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const { startAgent: launch } = await import("../../../node-agent/agent/start-agent.js");
  const dir = await mkdtemp(join(tmpdir(), "humops-launch-nats-"));
  const url = `nats://127.0.0.1:${port}`;
  const starting = launch({
    config: { nodeName: "late", dataDir: dir, nats: { url }, vm: { accelerator: "tcg" } },
    log, runner: new RecordingRunner({ fallback: {} }), drivers: [new FakeDriver("systemv0/network")], diagSocket: false,
  });
  let nats: NatsServer | undefined;
  let agent: Agent | undefined;
  try {
    await new Promise((r) => setTimeout(r, 1500));
    nats = await startNats({ jetstream: true, port });
    agent = await starting;
    const ctl = await NatsControllerBus.connect({ servers: nats.url, log });
    assert.ok((await ctl.nodes()).some((n) => n.name === "late" && n.ready));
    await ctl.close();
  } finally {
    await agent?.stop();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const auth = await startNats({ jetstream: true, config: 'authorization { users: [ { user: "a", password: "right" } ] }' });
  try {
    const t0 = Date.now();
    const e = await launch({
      config: { nodeName: "bad", dataDir: tmpdir(), nats: { url: auth.url, user: "a", password: "wrong" } },
      log, runner: new RecordingRunner({ fallback: {} }), drivers: [], diagSocket: false,
    }).catch((err: unknown) => err);
    assert.instance(e, Error);
    assert.ok(Date.now() - t0 < 5000, "refused credentials must not be retried");
  } finally {
    await auth.stop();
  }
});

L.run();
