/**
 * The controller against the real agent runtime (node-agent/agent/agent.ts: journal,
 * de-duplication, inventory loop) over a real nats-server, with FakeDrivers on a
 * RecordingRunner as the host: commands arrive in dependency order, an idle round does
 * nothing, a restarted agent re-creates nothing, drift on the host is corrected.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import type { AgentSettings } from "../../../node-agent/config/agent-settings.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { startControllerService, type ControllerService } from "../../../reconciler/controller/service.js";
import type { RoundReport } from "../../../reconciler/controller/reconcile-round.js";
import type { ApiType } from "../../../schemas/kinds.js";
import { makeRepo, type ManifestsRepo } from "../../helpers/manifests-repo.js";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { captureLog, exampleFiles } from "../../reconciler/controller/harness.js";

const KINDS: ApiType[] = ["systemv0/network", "systemv0/virtualrouter", "systemv0/blockstorage", "systemv0/imageentity", "systemv0/virtualmachine"];
const VM = "systemv0/virtualmachine/group1/ns1/vm1";

interface Ctx {
  nats: NatsServer;
  dir: string;
  repo: ManifestsRepo;
  drivers: Map<ApiType, FakeDriver>;
  runner: RecordingRunner;
  agent: Agent;
  service: ControllerService;
  reports: RoundReport[];
}
const T = suite<Ctx>("controller with the real agent runtime", {} as Ctx);

async function bootAgent(ctx: Ctx): Promise<Agent> {
  const { log } = captureLog();
  const config: AgentSettings = {
    node: { nodeName: "n1", address: "198.18.0.1", dataDir: ctx.dir, blockStorageDir: join(ctx.dir, "bs"), imageDir: join(ctx.dir, "img") },
    capacity: { vcpus: 4, memoryBytes: 8 * 1024 ** 3 }, nats: { servers: [ctx.nats.url] }, parallelLimit: 4,
    resyncIntervalMs: 60_000, journalMaxBytes: 1 << 20, accelerator: "tcg", logLevel: "info", raw: {},
  };
  const bus = await NatsAgentBus.connect({ servers: ctx.nats.url, node: "n1", log });
  return startAgent({ config, bus, drivers: [...ctx.drivers.values()], runner: ctx.runner, log, accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10 });
}

async function until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const applies = (ctx: Ctx): string[] => ctx.runner.commands.filter((c) => c.argv[1] === "apply").map((c) => c.argv[2]!);

T.before(async (ctx) => {
  ctx.nats = await startNats();
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-ctl-agent-"));
  ctx.repo = await makeRepo({ files: exampleFiles() });
  ctx.drivers = new Map(KINDS.map((k) => [k, new FakeDriver(k)]));
  ctx.runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  ctx.reports = [];
});

T.after(async (ctx) => {
  await ctx.service?.stop();
  await ctx.agent?.stop();
  await ctx.nats.stop();
  await ctx.repo.cleanup();
  await rm(ctx.dir, { recursive: true, force: true });
});

T("everything applied once, in dependency order; an idle round does nothing", async (ctx) => {
  ctx.agent = await bootAgent(ctx);
  const { log } = captureLog();
  ctx.service = await startControllerService({ repo: ctx.repo.dir, branch: "main", path: ".", statusBranch: "status", workDir: join(ctx.dir, "ctl"), nats: { url: ctx.nats.url }, pollIntervalMs: 0, log });
  ctx.service.onRound((r) => ctx.reports.push(r));
  await until(() => ctx.reports.at(-1)?.notReady === 0, "all ready");
  const order = applies(ctx).map((k) => k.split("/")[1]!);
  assert.is(order.length, 5, order.join(","));
  assert.ok(order.indexOf("network") < order.indexOf("virtualmachine"));
  assert.ok(order.indexOf("blockstorage") < order.indexOf("imageentity"));
  await ctx.agent.resync();
  const n = ctx.reports.length;
  ctx.service.trigger("idle");
  await until(() => ctx.reports.length > n, "idle round");
  assert.is(ctx.reports.at(-1)!.commandsSent, 0);
  assert.is(ctx.reports.at(-1)!.statusChanged, false);
  assert.is(applies(ctx).length, 5);
});

T("a restarted agent re-creates nothing", async (ctx) => {
  await ctx.agent.stop();
  ctx.agent = await bootAgent(ctx);
  await ctx.agent.resync();
  const n = ctx.reports.length;
  ctx.service.trigger("agent back");
  await until(() => ctx.reports.length > n && ctx.reports.at(-1)!.notReady === 0, "round after restart");
  assert.is(applies(ctx).length, 5);
});

T("a VM gone from the host is re-applied as DriftCorrected", async (ctx) => {
  ctx.drivers.get("systemv0/virtualmachine")!.host.delete(VM);
  await ctx.agent.resync();
  await until(() => applies(ctx).length === 6, "re-apply");
  assert.is(applies(ctx).at(-1), VM);
  await until(() => ctx.service.controller?.state.statuses.get(VM)?.conditions[0]?.reason === "DriftCorrected", "DriftCorrected");
});

T.run();
