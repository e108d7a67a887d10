// Issue #11, protocol 1.3: a long operation is accepted by the agent and finished on its own, so
// it holds no controller worker. The controller runs against the REAL agent runtime over a
// MemoryBus; FakeDriver holds disk commands in flight behind a gate.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { Controller } from "../../../reconciler/controller/controller.js";
import { makeTreeLoader } from "../../../reconciler/controller/load-tree.js";
import { resourceRequests } from "../../../reconciler/controller/requests.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import type { ResourceStatus } from "../../../reconciler/status/types.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { ResourceKey } from "../../../schemas/kinds.js";
import { until } from "../../helpers/until.js";
import { exampleFiles, makeController, nextRound } from "./harness.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const DISKS = ["bs1", "bs2", "bs3"].map((id) => `systemv0/blockstorage/group1/ns1/${id}` as ResourceKey);
const NET: ResourceKey = "systemv0/network/group1/ns1/net1";

function disk(id: string, size = "1G"): string {
  return `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  name: ${id}\n  group: group1\n  namespace: ns1\n  annotations:\n    blockstoragev0/type: Local\nspec:\n  requestSize: ${size}\n  limitSize: ${size}\n  from:\n    type: Empty\n`;
}

const NETWORK = "meta:\n  apiType: systemv0/network\n  id: net1\n  name: net1\n  group: group1\n  namespace: ns1\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: \"100\"\n  ipv4CIDR: 10.0.0.0/24\n";

function files(o: { network: boolean; size?: string; disks?: boolean }): Record<string, string> {
  const out: Record<string, string> = { "00-group.yaml": exampleFiles()["00-group.yaml"]! };
  if (o.disks !== false) out["30-disks.yaml"] = ["bs1", "bs2", "bs3"].map((id) => disk(id, o.size)).join("---\n");
  if (o.network) out["10-net.yaml"] = NETWORK;
  return out;
}


interface Env { dir: string; source: MemoryGitSource; bus: MemoryBus; status: MemoryStatusWriter; disks: FakeDriver; net: FakeDriver; agent: Agent; c: Controller; release: () => void }

function controller(env: Env, commandTimeoutMs = 30_000): Controller {
  const log = pino({ level: "silent" });
  const c = new Controller(
    { source: env.source, bus: env.bus, status: env.status, load: makeTreeLoader(), log, requests: resourceRequests },
    { pollIntervalMs: 0, commandTimeoutMs, acceptWithinMs: 50, workers: 2, backoffBaseMs: 20, backoffMaxMs: 200, statusIntervalMs: 100, progressAfterMs: 100 },
  );
  c.start();
  return c;
}

async function setup(o: { network?: boolean } = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "humops-async-"));
  const bus = new MemoryBus();
  const disks = new FakeDriver("systemv0/blockstorage");
  const net = new FakeDriver("systemv0/network");
  let release = (): void => undefined;
  disks.gate = new Promise<void>((r) => (release = r));
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  const drivers = [disks, net, ...(["systemv0/virtualrouter", "systemv0/imageentity", "systemv0/virtualmachine"] as const).map((k) => new FakeDriver(k))];
  const agent = await startAgent({ config: testAgentSettings(dir, { parallelLimit: 8 }), bus: bus.connectAgent(), drivers, runner, log: pino({ level: "silent" }), accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10, operationHeartbeatMs: 200 });
  const source = new MemoryGitSource();
  source.commit(files({ network: o.network ?? false }));
  const status = new MemoryStatusWriter();
  const env = { dir, source, bus, status, disks, net, agent, release: () => release() } as Env;
  env.c = controller(env);
  return env;
}

async function teardown(env: Env): Promise<void> {
  env.release();
  await env.c.stop();
  await env.agent.stop();
  await rm(env.dir, { recursive: true, force: true });
}

const latest = (env: Env): Map<ResourceKey, ResourceStatus> => parseStatusFiles(env.status.commits.at(-1)?.files ?? new Map()).resources;
const inFlight = (d: FakeDriver): number => DISKS.reduce((n, k) => n + (d.inFlight.get(k) ?? 0), 0);
const accepted = (env: Env): number => new Set(env.bus.operations.filter((u) => u.state === "Running").map((u) => u.key)).size;
const joinedLines = async (env: Env): Promise<number> =>
  (await readFile(join(env.dir, "journal.jsonl"), "utf8").catch(() => "")).trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { event: string; joined?: string }).filter((j) => j.event === "duplicate" && j.joined !== undefined).length;
const allReady = (env: Env, keys: readonly ResourceKey[]): boolean => keys.every((k) => latest(env).get(k)?.ready === true);

/** Every disk Ready within `timeoutMs`, each applied exactly once (nothing ran twice). */
async function everyDiskReadyOnce(env: Env, timeoutMs: number): Promise<void> {
  await until("every disk Ready", () => allReady(env, DISKS), timeoutMs);
  for (const k of DISKS) assert.is(env.disks.calls.get(k), 1, `${k} applied once`);
}

const A = suite("asynchronous operations (real agent runtime, MemoryBus)");

A("three slow operations with two workers: an unrelated key is still applied at once, and each runs once", async () => {
  const env = await setup();
  try {
    await until("three disk operations in flight on the agent", () => inFlight(env.disks) === 3, 10_000, 20);
    const pushedAt = Date.now();
    env.source.commit(files({ network: true }));
    env.c.trigger("test");
    await until("the network applied while the disks still run", () => env.net.calls.get(NET) === 1, 5_000, 20);
    const tookMs = Date.now() - pushedAt;
    assert.ok(tookMs < 2_000, `network applied after ${tookMs} ms`);
    assert.is(inFlight(env.disks), 3, "the disks are still in flight");
    await until("network Ready in the status while the disks reconcile", () => latest(env).get(NET)?.ready === true && DISKS.every((k) => latest(env).get(k)?.conditions.some((c) => c.type === "Reconciling")), 10_000);
    env.release();
    await everyDiskReadyOnce(env, 10_000);
  } finally {
    await teardown(env);
  }
});

A("progress of an operation in flight shows in its status (details.progress, Reconciling)", async () => {
  const env = await setup();
  env.disks.progress = { phase: "Downloading", doneBytes: 1024, totalBytes: 4096 };
  try {
    await until("progress in the status", () => {
      const s = latest(env).get(DISKS[0]!);
      const p = s?.details["progress"] as { phase?: string; doneBytes?: number } | undefined;
      return p?.phase === "Downloading" && p.doneBytes === 1024 && s?.ready === false && s.conditions.some((c) => c.type === "Reconciling" && c.reason === "Downloading");
    }, 10_000);
    env.release();
    await until("every disk Ready, without progress", () => allReady(env, DISKS) && DISKS.every((k) => latest(env).get(k)?.details["progress"] === undefined), 10_000);
  } finally {
    await teardown(env);
  }
});

A("a lost completion is recovered from the inventory: Ready, nothing run twice", async () => {
  const env = await setup();
  env.bus.dropOperation = (u) => u.state === "Done";
  try {
    await until("three disk operations accepted (heard running)", () => accepted(env) === 3, 10_000, 20);
    env.release();
    await until("completions published (and dropped)", () => env.bus.operations.filter((u) => u.state === "Done").length === 3, 10_000);
    await everyDiskReadyOnce(env, 15_000);
  } finally {
    await teardown(env);
  }
});

A("a silent operation is re-sent with the SAME commandId, which the agent joins (no second run)", async () => {
  const env = await setup();
  await env.c.stop();
  env.bus.dropOperation = () => true;
  env.c = controller(env, 600);
  try {
    await until("three disk operations in flight", () => inFlight(env.disks) === 3, 10_000, 20);
    await until("a re-send of an in-flight command", () => new Set(env.bus.sent.map((s) => s.cmd.commandId)).size < env.bus.sent.filter((s) => s.cmd.key.startsWith("systemv0/blockstorage")).length, 10_000);
    env.release();
    await everyDiskReadyOnce(env, 15_000);
  } finally {
    await teardown(env);
  }
});

A("a controller restarted while operations run adopts them: the agent joins its new commands, nothing runs twice", async () => {
  const env = await setup();
  try {
    await until("three disk operations in flight", () => inFlight(env.disks) === 3, 10_000, 20);
    await until("the status records the disks (incarnations, generations)", () => DISKS.every((k) => latest(env).has(k)), 10_000);
    const before = env.bus.sent.length;
    await env.c.stop();
    env.c = controller(env);
    await until("the new controller sent its commands", () => env.bus.sent.length >= before + 3, 10_000, 20);
    // Released only once the agent joined them: a command arriving after the operation ended is a new apply (idempotent, but a second run).
    await until("the agent joined them to the running operations", async () => (await joinedLines(env)) === 3, 10_000, 20);
    env.release();
    await everyDiskReadyOnce(env, 15_000);
    assert.is(await joinedLines(env), 3, "three commands joined the running operations");
  } finally {
    await teardown(env);
  }
});

A("a spec change supersedes the running operation: it completes Superseded and the new generation runs", async () => {
  const env = await setup();
  try {
    await until("three disk operations in flight", () => inFlight(env.disks) === 3, 10_000, 20);
    env.source.commit(files({ network: false, size: "2G" }));
    env.c.trigger("test");
    await until("the first operations superseded", () => env.bus.operations.filter((u) => u.state === "Done" && u.result?.reason === "Superseded").length === 3, 10_000);
    env.release();
    await until("every disk Ready at generation 2", () => DISKS.every((k) => latest(env).get(k)?.ready === true && latest(env).get(k)?.generation === 2), 15_000);
    for (const k of DISKS) assert.is(env.disks.host.get(k)?.generation, 2, `${k} holds generation 2`);
  } finally {
    await teardown(env);
  }
});

A("a delete supersedes the running create: the delete succeeds and nothing is left", async () => {
  const env = await setup();
  try {
    await until("three disk operations in flight", () => inFlight(env.disks) === 3, 10_000, 20);
    env.source.commit(files({ network: false, disks: false }));
    env.c.trigger("test");
    await until("the disks gone from the status", () => DISKS.every((k) => !latest(env).has(k)) && latest(env).size > 0, 15_000);
    assert.is(env.disks.host.size, 0, "nothing left on the host");
    assert.ok(env.bus.operations.some((u) => u.state === "Done" && u.result?.reason === "Superseded"), "the create completed Superseded");
  } finally {
    await teardown(env);
  }
});

A.run();

const V = suite("protocol versions");

V("a node that speaks another major version gets no command: its resources say UnsupportedProtocol, naming both versions", async () => {
  const bus = new MemoryBus();
  let handled = 0;
  bus.setNode({ name: "node1", address: "198.18.0.1", capacity: { vcpus: 8, memoryBytes: 16 * 1024 ** 3 }, agentVersion: "9.0.0", accelerator: "tcg", protocol: "2.0", ready: true });
  bus.handle("node1", async () => {
    handled++;
    throw new Error("must not be called");
  });
  const source = new MemoryGitSource();
  source.commit({ "00-group.yaml": exampleFiles()["00-group.yaml"]!, "10-net.yaml": NETWORK });
  const status = new MemoryStatusWriter();
  const { c } = makeController({ source, bus, status });
  try {
    await nextRound(c, () => c.start());
    const net = parseStatusFiles(status.commits.at(-1)?.files ?? new Map()).resources.get(NET);
    const cond = net?.conditions.find((x) => x.type === "Reconciling");
    assert.is(cond?.reason, "UnsupportedProtocol");
    assert.match(cond?.message ?? "", /2\.0/);
    assert.match(cond?.message ?? "", /1\.3/);
    assert.is(handled, 0);
  } finally {
    await c.stop();
  }
});

V.run();
