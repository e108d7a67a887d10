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

S("with a downloadAPI block it serves the API, registers HOST:PORT, and accepts the token an imageentity command carries, also after a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-launch-"));
  const bus = new MemoryBus();
  const config = { nodeName: "dl1", dataDir: dir, nodeAddress: "127.0.0.1", vm: { accelerator: "tcg" }, blockStorageAgentConfig: { downloadAPI: { listenAddress: "127.0.0.1", listenPort: 39000 + (process.pid % 5000) } } };
  const start = () => startAgent({ config, log, bus: bus.connectAgent(), runner: new RecordingRunner({ fallback: {} }), drivers: [new FakeDriver("systemv0/imageentity")], diagSocket: false });
  let agent: Awaited<ReturnType<typeof start>> | undefined;
  try {
    agent = await start();
    const api = (await bus.nodes())[0]?.downloadAPI;
    assert.is(api, `127.0.0.1:${config.blockStorageAgentConfig.downloadAPI.listenPort}`);
    const url = `http://${api}/v1/systemv0/imageentity/g1/nope`;
    const auth = { headers: { authorization: "Bearer cluster-tok" } };
    assert.is((await fetch(url, auth)).status, 401);
    const cmd = { commandId: "c1", op: "apply" as const, key: "systemv0/imageentity/g1/e1" as const, apiType: "systemv0/imageentity" as const, id: "e1", group: "g1", annotations: {}, spec: {}, generation: 1, context: { downloadToken: "cluster-tok" } };
    assert.ok((await bus.send("dl1", cmd, { timeoutMs: 5000 })).ok);
    // The token is learned as the command's result is handled: wait for it (bounded), not a fixed time.
    for (const end = Date.now() + 30_000; (await fetch(url, auth)).status !== 404 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    assert.is((await fetch(url, auth)).status, 404, "token accepted: the unknown entity is then a 404");
    await agent.stop();
    assert.is(await fetch(url, auth).then(() => "up", () => "closed"), "closed");
    agent = await start();
    assert.is((await fetch(url, auth)).status, 404, "the learned token survives the restart");
    await agent.stop();
    agent = undefined;
  } finally {
    await agent?.stop().catch(() => undefined);
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
