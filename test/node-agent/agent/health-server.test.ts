import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseListen, startHealthServer } from "../../../node-agent/agent/health-server.js";
import { AgentMetrics } from "../../../node-agent/agent/metrics.js";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";

const H = suite("health server and metrics");

H("parseListen", () => {
  assert.equal(parseListen("127.0.0.1:9100"), { host: "127.0.0.1", port: 9100 });
  assert.equal(parseListen(":9100"), { host: "0.0.0.0", port: 9100 });
  assert.equal(parseListen("[::1]:9100"), { host: "::1", port: 9100 });
  assert.throws(() => parseListen("9100"), /ADDR:PORT/);
  assert.throws(() => parseListen("a:99999"), /ADDR:PORT/);
});

H("/healthz, /readyz follow the agent, /metrics counts commands by result", async () => {
  const metrics = new AgentMetrics({ defaultMetrics: false });
  let ready = false;
  const server = await startHealthServer("127.0.0.1:0", { isReady: () => ready, metrics: () => metrics.text(), contentType: metrics.registry.contentType });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    assert.is((await fetch(`${base}/healthz`)).status, 200);
    assert.is((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    assert.is((await fetch(`${base}/readyz`)).status, 200);
    assert.is((await fetch(`${base}/nope`)).status, 404);
    const cmd = { op: "delete", apiType: "systemv0/network" } as NodeCommand;
    metrics.observe(cmd, { commandId: "a", key: "systemv0/network/g/n/x", ok: true, durationMs: 20 });
    metrics.observe(cmd, { commandId: "b", key: "systemv0/network/g/n/x", ok: false, reason: "CommandFailed", message: "x", durationMs: 2000 });
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, 'humops_agent_commands_total{op="delete",api_type="systemv0/network",result="ok"} 1');
    assert.match(text, 'humops_agent_commands_total{op="delete",api_type="systemv0/network",result="CommandFailed"} 1');
    assert.match(text, 'humops_agent_command_duration_seconds_count{op="delete",api_type="systemv0/network"} 2');
  } finally {
    await server.close();
  }
});

H.run();
