/**
 * `humops agent --config FILE --listen ADDR:PORT` as a process against a real nats-server:
 * it registers, serves /healthz /readyz /metrics, answers a command for a kind it has no
 * driver for with Unsupported, answers a re-sent commandId from disk after a restart, leaves
 * at once on SIGTERM and is seen not ready within 15 s after SIGKILL (liveness TTL).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { onExitCleanup } from "../../helpers/exit-cleanup.js";
import { NatsControllerBus } from "../../../reconciler/bus/nats-controller-bus.js";
import type { NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { requestAgent } from "../../../node-agent/diag/socket-client.js";
import { until } from "../../helpers/until.js";

const log = pino({ level: "silent" });
const node = `p${process.pid}`;
const group: NodeCommand = { commandId: "g-1", op: "apply", key: "corev0/group/g1", apiType: "corev0/group", id: "g1", annotations: {}, spec: {}, generation: 1, context: {} };
const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

function spawnAgent(config: string, port: number): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "cmd/humops.ts", "agent", "--config", config, "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  const release = onExitCleanup(() => child.kill("SIGKILL"));
  child.on("exit", release);
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code))));

interface Ctx { nats: NatsServer; dir: string; ctl: NatsControllerBus; port: number; config: string }
const P = suite<Ctx>("humops agent process", {} as Ctx);
P.before(async (ctx) => {
  ctx.nats = await startNats({ jetstream: true });
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-agent-proc-"));
  ctx.port = await freePort();
  ctx.config = join(ctx.dir, "agent.yaml");
  await writeFile(ctx.config, `apiServerAddress: localhost\nnodeName: ${node}\nnodeAddress: 198.18.0.7\nlimitVcpus: 4000m\nlimitMemory: 2G\ndataDir: ./data\nnats:\n  url: ${ctx.nats.url}\nvm:\n  accelerator: tcg\n`);
  ctx.ctl = await NatsControllerBus.connect({ servers: ctx.nats.url, log, livenessPollMs: 500 });
});
P.after(async (ctx) => {
  await ctx.ctl?.close();
  await ctx.nats?.stop();
  await rm(ctx.dir, { recursive: true, force: true });
});

const ready = async (ctl: NatsControllerBus) => (await ctl.nodes()).find((n) => n.name === node)?.ready === true;

P("registers, serves its endpoints, answers Unsupported, then from disk after a restart; SIGTERM leaves at once", async (ctx) => {
  let agent = spawnAgent(ctx.config, ctx.port);
  try {
    await until("node ready", () => ready(ctx.ctl), 30_000);
    const info = (await ctx.ctl.nodes()).find((n) => n.name === node)!;
    assert.equal([info.address, info.capacity, info.accelerator], ["198.18.0.7", { vcpus: 4, memoryBytes: 2 * 1024 ** 3 }, "tcg"]);
    const base = `http://127.0.0.1:${ctx.port}`;
    assert.is((await fetch(`${base}/healthz`)).status, 200);
    assert.is((await fetch(`${base}/readyz`)).status, 200);
    const r = await ctx.ctl.send(node, group, { timeoutMs: 5000 });
    assert.equal([r.ok, r.reason], [false, "Unsupported"]);
    // nodectl's socket tells the same story.
    const status = await requestAgent(join(ctx.dir, "data", "nodectl.sock"), "status", {});
    assert.equal([status.nodeName, status.accelerator?.accelerator], [node, "tcg"]);
    assert.ok(status.controllerLastSeenAt);
    assert.equal([status.nats?.connected, status.nats?.reconnects], [true, 0]);
    // The controller's clock from its last command, for doctor's skew check: same machine, ~0 s.
    const clock = status.controllerClockAt;
    assert.ok(clock, "controllerClockAt from the command's sentAt");
    assert.ok(Math.abs(Date.parse(clock.local) - Date.parse(clock.controller)) < 5000, JSON.stringify(clock));
    assert.match(status.lastError?.message ?? "", "Unsupported");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, 'humops_agent_commands_total{op="apply",api_type="corev0/group",result="Unsupported"} 1');
    agent.kill("SIGTERM");
    const t0 = Date.now();
    await until("not ready after SIGTERM", async () => !(await ready(ctx.ctl)), 15_000);
    assert.ok(Date.now() - t0 < 5000, `not ready only after ${Date.now() - t0} ms: the agent did not leave`);
    assert.is(await exited(agent), 0);
    agent = spawnAgent(ctx.config, ctx.port);
    await until("ready again", () => ready(ctx.ctl), 30_000);
    assert.equal(await ctx.ctl.send(node, group, { timeoutMs: 5000 }), r);
    const journal = () => readFile(join(ctx.dir, "data", "journal.jsonl"), "utf8");
    await until("duplicate journaled", async () => (await journal()).includes('"event":"duplicate"'), 3000);
    assert.equal((await journal()).split("\n").filter((l) => l.includes('"event":"duplicate"')).length, 1);
    assert.equal((await journal()).split("\n").filter((l) => l.includes('"event":"started"')).length, 1);
  } finally {
    agent.kill("SIGTERM");
    await exited(agent);
  }
});

P("a killed agent's node is not ready within 15 s", async (ctx) => {
  const agent = spawnAgent(ctx.config, ctx.port);
  try {
    await until("node ready", () => ready(ctx.ctl), 30_000);
    agent.kill("SIGKILL");
    await exited(agent);
    const t0 = Date.now();
    await until("not ready after SIGKILL", async () => !(await ready(ctx.ctl)), 20_000);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(seconds <= 15, `took ${seconds} s`);
  } finally {
    agent.kill("SIGKILL");
  }
});

P.run();
