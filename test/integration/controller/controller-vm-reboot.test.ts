/**
 * A reboot request pushed to git (`humops/restart-requested-at`, issue #12) through the real
 * controller, a real nats-server and the real agent runtime with the real VM driver on qemu
 * (TCG): the VM is rebooted in place (same pid), the status branch shows the handled value, and
 * neither a restarted controller nor an unrelated edit reboots it again. The VM has no disk, so
 * its firmware ignores the ACPI button: the reset after the (short) power-off timeout is what
 * reboots it.
 */
import * as fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import git from "isomorphic-git";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import type { AgentSettings } from "../../../node-agent/config/agent-settings.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { isAlive } from "../../../node-agent/host/process-liveness.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { startControllerService, type ControllerService } from "../../../reconciler/controller/service.js";
import { makeRepo, type ManifestsRepo } from "../../helpers/manifests-repo.js";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { assertNoLeaks, snapshotHost, type HostSnapshot } from "../../helpers/netns.js";
import { testTag } from "../../helpers/test-tag.js";
import { captureLog } from "../../reconciler/controller/harness.js";

interface Ctx {
  before: HostSnapshot;
  nats: NatsServer;
  dir: string;
  repo: ManifestsRepo;
  agent: Agent;
  service: ControllerService;
}
const T = suite<Ctx>("a reboot request through the controller", {} as Ctx);
const GROUP = testTag();
const STATUS_FILE = `groups/${GROUP}/namespaces/ns1/virtualmachine/vm1.yaml`;

function files(requestedAt: string, memory = "64M"): Record<string, string> {
  return {
    "00-group.yaml": [`meta:`, `  apiType: corev0/group`, `  id: ${GROUP}`, `---`, `meta:`, `  apiType: corev0/namespace`, `  id: ns1`, `  group: ${GROUP}`, ``].join("\n"),
    "10-vm.yaml": [
      `meta:`, `  apiType: systemv0/virtualmachine`, `  id: vm1`, `  group: ${GROUP}`, `  namespace: ns1`, `  annotations:`,
      `    virtualmachinev0/node_name: n1`, `    humops/restart-requested-at: "${requestedAt}"`,
      `spec:`, `  requestVcpus: 1000m`, `  limitVcpus: 1000m`, `  requestMemory: ${memory}`, `  limitMemory: ${memory}`, `  actionState: PowerOn`, ``,
    ].join("\n"),
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The VM's status file as committed on the status branch. */
async function statusFile(ctx: Ctx): Promise<Record<string, any> | undefined> {
  const oid = await git.resolveRef({ fs, dir: ctx.repo.dir, ref: "status" });
  const { blob } = await git.readBlob({ fs, dir: ctx.repo.dir, oid, filepath: STATUS_FILE });
  return parse(Buffer.from(blob).toString("utf8")) as Record<string, any>;
}

/** The status file once it is Running, ready, and `pred` holds. */
async function statusWhen(ctx: Ctx, what: string, pred: (s: Record<string, any>) => boolean): Promise<Record<string, any>> {
  let last: unknown;
  try {
    return await until(what, async () => {
      const s = (last = await statusFile(ctx));
      return s && s["state"] === "Running" && s["ready"] === true && pred(s) ? s : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last)}`, { cause: e });
  }
}

async function startController(ctx: Ctx): Promise<ControllerService> {
  const { log } = captureLog();
  return startControllerService({ repo: ctx.repo.dir, branch: "main", path: ".", statusBranch: "status", workDir: join(ctx.dir, "ctl"), nats: { url: ctx.nats.url }, pollIntervalMs: 1000, log });
}

T.before(async (ctx) => {
  ctx.before = await snapshotHost();
  ctx.nats = await startNats();
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-reboot-"));
  ctx.repo = await makeRepo({ files: files("r1") });
});

T.after(async (ctx) => {
  await ctx.service?.stop();
  await ctx.agent?.stop();
  const vm = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 1000 });
  const cmd = { key: `systemv0/virtualmachine/${GROUP}/ns1/vm1`, apiType: "systemv0/virtualmachine", id: "vm1", group: GROUP, namespace: "ns1", annotations: {}, spec: {}, generation: 1, context: {} } as const;
  await vm.remove(cmd, { runner: new SpawnRunner(), log: captureLog().log, signal: new AbortController().signal, node: { nodeName: "n1", address: "198.18.0.1", dataDir: ctx.dir, blockStorageDir: ctx.dir, imageDir: ctx.dir } }).catch(() => undefined);
  await ctx.nats?.stop();
  await ctx.repo?.cleanup();
  await rm(ctx.dir, { recursive: true, force: true });
  await assertNoLeaks(ctx.before);
});

T("a new value reboots the VM in place; the status shows it; a restarted controller and another edit do not reboot again", async (ctx) => {
  const { log } = captureLog();
  const config: AgentSettings = {
    node: { nodeName: "n1", address: "198.18.0.1", dataDir: ctx.dir, blockStorageDir: ctx.dir, imageDir: ctx.dir },
    capacity: { vcpus: 4, memoryBytes: 8 * 1024 ** 3 }, nats: { servers: [ctx.nats.url] }, parallelLimit: 4,
    resyncIntervalMs: 60_000, journalMaxBytes: 1 << 20, accelerator: "tcg", logLevel: "info", raw: {},
  };
  const bus = await NatsAgentBus.connect({ servers: ctx.nats.url, node: "n1", log });
  const driver = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 2000 });
  ctx.agent = await startAgent({ config, bus, drivers: [driver], runner: new SpawnRunner(), log, accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10 });
  ctx.service = await startController(ctx);

  const first = await statusWhen(ctx, "vm1 running with r1 handled", (s) => s["details"]?.["lastHandledRestartRequestedAt"] === "r1");
  const pid = first["details"]["pid"] as number;
  assert.is(first["details"]["lastRestartMode"], undefined, "a new VM records the value without a reboot");

  await ctx.repo.commit(files("r2"), "reboot vm1");
  const rebooted = await statusWhen(ctx, "r2 handled", (s) => s["details"]?.["lastHandledRestartRequestedAt"] === "r2");
  assert.is(rebooted["details"]["pid"], pid, "the same qemu: not a replace");
  assert.ok(isAlive(pid));
  assert.is(rebooted["details"]["lastRestartMode"], "Reset", "no guest answers the button: reset after the timeout");
  const at = rebooted["details"]["lastRestartAt"] as string;
  assert.ok(at);

  // A restarted controller reads the status branch and re-sends nothing that reboots.
  await ctx.service.stop();
  ctx.service = await startController(ctx);
  await ctx.repo.commit(files("r2", "96M"), "an unrelated edit (restart required, not a reboot)");
  const edited = await statusWhen(ctx, "the edit applied", (s) => s["details"]?.["restartRequired"] === true);
  assert.is(edited["details"]["pid"], pid);
  assert.is(edited["details"]["lastRestartAt"], at, "not rebooted again");
  assert.is(edited["details"]["lastHandledRestartRequestedAt"], "r2");
});

T.run();
