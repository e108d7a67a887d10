// Issue #11, protocol 1.3 over a real nats-server on loopback: the agent accepts long commands
// and publishes progress and completion on humops.v1.node.<node>.op; the controller's workers
// are never held by them, a restarted controller adopts them, and an agent refuses a protocol
// version it does not understand with a coded error naming both versions.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { until } from "../../helpers/until.js";
import { NatsControllerBus } from "../../../reconciler/bus/nats-controller-bus.js";
import { ProtocolVersionError } from "../../../reconciler/bus/errors.js";
import { Controller } from "../../../reconciler/controller/controller.js";
import { makeTreeLoader } from "../../../reconciler/controller/load-tree.js";
import { resourceRequests } from "../../../reconciler/controller/requests.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import type { ResourceStatus } from "../../../reconciler/status/types.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { ResourceKey } from "../../../schemas/kinds.js";
import type { OperationUpdate } from "../../../schemas/protocol/messages.js";
import { exampleFiles } from "../../reconciler/controller/harness.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const DISKS = ["bs1", "bs2", "bs3"].map((id) => `systemv0/blockstorage/group1/ns1/${id}` as ResourceKey);
const NET: ResourceKey = "systemv0/network/group1/ns1/net1";
const log = pino({ level: "silent" });

function disk(id: string): string {
  return `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  name: ${id}\n  group: group1\n  namespace: ns1\n  annotations:\n    blockstoragev0/type: Local\nspec:\n  requestSize: 1G\n  limitSize: 1G\n  from:\n    type: Empty\n`;
}
const NETWORK = "meta:\n  apiType: systemv0/network\n  id: net1\n  name: net1\n  group: group1\n  namespace: ns1\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: \"100\"\n  ipv4CIDR: 10.0.0.0/24\n";

function files(network: boolean): Record<string, string> {
  return { "00-group.yaml": exampleFiles()["00-group.yaml"]!, "30-disks.yaml": ["bs1", "bs2", "bs3"].map(disk).join("---\n"), ...(network ? { "10-net.yaml": NETWORK } : {}) };
}


interface Env { nats: NatsServer; dir: string; source: MemoryGitSource; status: MemoryStatusWriter; disks: FakeDriver; net: FakeDriver; agent: Agent; bus: NatsControllerBus; c: Controller; updates: OperationUpdate[]; release: () => void }

async function startController(env: Env): Promise<void> {
  env.bus = await NatsControllerBus.connect({ servers: env.nats.url, log });
  env.bus.watch((e) => e.type === "operation" && env.updates.push(e.update));
  env.c = new Controller(
    { source: env.source, bus: env.bus, status: env.status, load: makeTreeLoader(), log, requests: resourceRequests },
    { pollIntervalMs: 0, commandTimeoutMs: 30_000, acceptWithinMs: 50, workers: 2, backoffBaseMs: 20, backoffMaxMs: 200, statusIntervalMs: 100, progressAfterMs: 100 },
  );
  env.c.start();
}

async function stopController(env: Env): Promise<void> {
  await env.c.stop();
  await env.bus.close();
}

async function setup(): Promise<Env> {
  const env = { updates: [] as OperationUpdate[] } as Env;
  env.nats = await startNats();
  env.dir = await mkdtemp(join(tmpdir(), "humops-async-nats-"));
  env.disks = new FakeDriver("systemv0/blockstorage");
  env.disks.progress = { phase: "Downloading", doneBytes: 10, totalBytes: 100 };
  env.net = new FakeDriver("systemv0/network");
  let release = (): void => undefined;
  env.disks.gate = new Promise<void>((r) => (release = r));
  env.release = () => release();
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  const agentBus = await NatsAgentBus.connect({ servers: env.nats.url, node: "node1", log });
  env.agent = await startAgent({ config: testAgentSettings(env.dir, { parallelLimit: 8, natsUrl: env.nats.url }), bus: agentBus, drivers: [env.disks, env.net], runner, log, accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10, operationHeartbeatMs: 200 });
  env.source = new MemoryGitSource();
  env.source.commit(files(false));
  env.status = new MemoryStatusWriter();
  await startController(env);
  return env;
}

async function teardown(env: Env): Promise<void> {
  env.release();
  await stopController(env).catch(() => undefined);
  await env.agent.stop().catch(() => undefined);
  await env.nats.stop();
  await rm(env.dir, { recursive: true, force: true });
}

const latest = (env: Env): Map<ResourceKey, ResourceStatus> => parseStatusFiles(env.status.commits.at(-1)?.files ?? new Map()).resources;
const inFlight = (d: FakeDriver): number => DISKS.reduce((n, k) => n + (d.inFlight.get(k) ?? 0), 0);
const accepted = (env: Env): number => new Set(env.updates.filter((u) => u.state === "Running").map((u) => u.key)).size;

const N = suite("asynchronous operations over NATS");

N("slow operations hold no worker; progress reaches the status; completions make them Ready", async () => {
  const env = await setup();
  try {
    await until("three disk operations accepted", () => inFlight(env.disks) === 3 && accepted(env) === 3, 15_000, 20);
    const pushedAt = Date.now();
    env.source.commit(files(true));
    env.c.trigger("test");
    await until("the network applied while the disks run", () => env.net.calls.get(NET) === 1, 5_000, 20);
    assert.ok(Date.now() - pushedAt < 2_000, `network applied after ${Date.now() - pushedAt} ms`);
    await until("progress in the disks' status", () => DISKS.every((k) => (latest(env).get(k)?.details["progress"] as { phase?: string } | undefined)?.phase === "Downloading"), 10_000);
    env.release();
    await until("everything Ready", () => [...DISKS, NET].every((k) => latest(env).get(k)?.ready === true), 15_000);
    for (const k of DISKS) assert.is(env.disks.calls.get(k), 1, `${k} applied once`);
    assert.ok(env.updates.some((u) => u.state === "Done" && u.result?.ok === true), "completions came over NATS");
  } finally {
    await teardown(env);
  }
});

N("a controller restarted while operations run adopts them: nothing runs twice", async () => {
  const env = await setup();
  try {
    await until("three disk operations accepted", () => inFlight(env.disks) === 3 && accepted(env) === 3, 15_000, 20);
    await until("the status records the disks", () => DISKS.every((k) => latest(env).has(k)), 10_000);
    await stopController(env);
    const before = new Set(env.updates.map((u) => u.commandId));
    env.updates.length = 0;
    await startController(env);
    // Released only once the agent accepted the new controller's commands (joined to the running
    // operations): a command arriving after an operation ended would be a new, idempotent apply.
    const joined = (): number => new Set(env.updates.filter((u) => u.state === "Running" && !before.has(u.commandId)).map((u) => u.key)).size;
    await until("the new controller's commands joined the running operations", () => joined() === 3, 15_000, 20);
    env.release();
    await until("every disk Ready", () => DISKS.every((k) => latest(env).get(k)?.ready === true), 15_000);
    for (const k of DISKS) assert.is(env.disks.calls.get(k), 1, `${k} applied once`);
  } finally {
    await teardown(env);
  }
});

N("an agent refuses a protocol version it does not understand, naming both (UnsupportedProtocol)", async () => {
  const env = await setup();
  try {
    const cmd = { commandId: "c-future", op: "apply" as const, key: NET, apiType: "systemv0/network" as const, id: "net1", annotations: {}, spec: {}, generation: 1, context: {}, protocol: "1.9" };
    const err = await env.bus.submit("node1", cmd, { timeoutMs: 5_000 }).then(() => undefined, (e: unknown) => e);
    assert.instance(err, ProtocolVersionError);
    assert.is((err as ProtocolVersionError).code, "UnsupportedProtocol");
    assert.match((err as Error).message, /1\.9/);
    assert.match((err as Error).message, /1\.3/);
    assert.is(env.net.calls.get(NET), undefined, "nothing ran");
  } finally {
    await teardown(env);
  }
});

N.run();
