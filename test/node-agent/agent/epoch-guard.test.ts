import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { EpochGuard } from "../../../node-agent/agent/epoch-guard.js";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { startAgent } from "../../../node-agent/agent/start-agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";

const log = pino({ level: "silent" });
const G = suite("epoch guard (issue #15)");

G("obeys newer and equal epochs, refuses older ones and, once an epoch is known, epoch-less commands; persists before admitting", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-epoch-"));
  try {
    const file = join(dir, "epoch.json");
    const g = new EpochGuard(file);
    await g.load();
    assert.is(g.newest, 0);
    assert.equal(await g.admit(undefined), { ok: true }, "no epoch known: a controller without election is obeyed");
    assert.equal(await g.admit(5), { ok: true });
    assert.is(JSON.parse(await readFile(file, "utf8")).epoch, 5, "persisted when admitted");
    assert.equal(await g.admit(5), { ok: true });
    const old = await g.admit(4);
    assert.is(old.ok, false);
    assert.match((old as { message: string }).message, /epoch 4.*obeys epoch 5/);
    assert.is((await g.admit(undefined)).ok, false);
    // Racing admissions persist in order: the newest wins, whatever resolves first.
    await Promise.all([g.admit(9), g.admit(7), g.admit(8)]);
    assert.is(g.newest, 9);
    const again = new EpochGuard(file);
    await again.load();
    assert.is(again.newest, 9, "a restarted agent remembers");
    assert.is((await again.admit(8)).ok, false);
    await writeFile(file, "garbage");
    let err: unknown;
    await new EpochGuard(file).load().catch((e: unknown) => (err = e));
    assert.ok(err instanceof Error, "a corrupt epoch file is an error, never epoch 0");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

G("an agent refuses a command from an older epoch with StaleEpoch and does not run it; the agent says which epoch it obeys", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-epoch-"));
  const bus = new MemoryBus();
  const driver = new FakeDriver("systemv0/network");
  const agent = await startAgent({ config: { nodeName: "e1", dataDir: dir, vm: { accelerator: "tcg" } }, log, bus: bus.connectAgent(), runner: new RecordingRunner({ fallback: {} }), drivers: [driver], diagSocket: false });
  try {
    const cmd = (commandId: string, epoch: number): NodeCommand => ({ commandId, op: "apply", key: "systemv0/network/g1/ns1/net1", apiType: "systemv0/network", id: "net1", group: "g1", namespace: "ns1", annotations: {}, spec: { type: "Bridge" }, generation: 1, context: {}, epoch });
    assert.ok((await bus.send("e1", cmd("a", 3), { timeoutMs: 5000 })).ok);
    const applied = driver.calls.get("systemv0/network/g1/ns1/net1") ?? 0;
    assert.is(applied, 1);
    const r = await bus.send("e1", cmd("b", 2), { timeoutMs: 5000 });
    assert.is(r.ok, false);
    assert.is(r.reason, "StaleEpoch");
    assert.is(driver.calls.get("systemv0/network/g1/ns1/net1") ?? 0, applied, "the stale command must not reach the driver");
    assert.is(agent.epoch(), 3);
  } finally {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

G.run();
