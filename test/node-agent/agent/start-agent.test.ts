import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { startAgent } from "../../../node-agent/agent/start-agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { AgentConfigError } from "../../../node-agent/config/errors.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { requestAgent } from "../../../node-agent/diag/socket-client.js";

const log = pino({ level: "silent" });
const S = suite("startAgent (production launcher)");

S("takes a raw config object as `humops up` passes it, and serves nodectl's socket", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-launch-"));
  const bus = new MemoryBus();
  try {
    const agent = await startAgent({
      config: { nodeName: "up1", dataDir: dir, nats: { url: "nats://127.0.0.1:4222" }, vm: { accelerator: "tcg" } },
      log, bus: bus.connectAgent(), runner: new RecordingRunner({ fallback: {} }), drivers: [new FakeDriver("systemv0/network")],
    });
    try {
      assert.equal((await bus.nodes()).map((n) => [n.name, n.ready, n.accelerator]), [["up1", true, "tcg"]]);
      assert.ok((await stat(join(dir, "nodectl.sock"))).isSocket());
      assert.is((await requestAgent(join(dir, "nodectl.sock"), "status", {})).nodeName, "up1");
    } finally {
      await agent.stop();
    }
    assert.equal((await bus.nodes())[0]?.ready, false);
    assert.is(await stat(join(dir, "nodectl.sock")).catch(() => "gone"), "gone");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

S("an invalid raw config is an AgentConfigError, nothing started", async () => {
  const bus = new MemoryBus();
  const e = await startAgent({ config: { nats: { url: "nope" }, colour: "blue" }, log, bus: bus.connectAgent() }).catch((err: unknown) => err);
  assert.instance(e, AgentConfigError);
  assert.match((e as Error).message, "colour");
  assert.equal(await bus.nodes(), []);
});

S.run();
