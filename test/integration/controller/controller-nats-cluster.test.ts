/**
 * A controller and an agent on a real three-server NATS cluster (issue #15, CONTRACT §6.3):
 * `--nats` with three URLs, buckets at R3. Killing any one server (the JetStream meta leader,
 * then the leader of the inventory bucket's stream) stops nothing and loses nothing: a manifests
 * change made while a server is down is applied and reported; the restarted server catches up.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import { startControllerService, type ControllerService } from "../../../reconciler/controller/service.js";
import { BUCKETS } from "../../../schemas/protocol/subjects.js";
import { startGitServer, type GitServer } from "../../helpers/git-server.js";
import { makeRepo, tempDir, type ManifestsRepo, type TempDir } from "../../helpers/manifests-repo.js";
import { serverName, startNatsCluster, type NatsCluster } from "../../helpers/nats-cluster.js";
import { FakeAgent } from "../../reconciler/controller/fake-agent.js";
import { captureLog, exampleFiles } from "../../reconciler/controller/harness.js";

const VM = "systemv0/virtualmachine/group1/ns1/vm1";
const T = suite("controller and agent on a three-server NATS cluster");

let cluster: NatsCluster;
let git: GitServer;
let repo: ManifestsRepo;
let work: TempDir;
let url: string;
let agent: FakeAgent;
let service: ControllerService;
type Report = Parameters<Parameters<ControllerService["onRound"]>[0]>[0];
const reports: Report[] = [];

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Applies a memory change to vm1 and waits until the agent ran it and a round saw everything ready on that commit. */
async function changeAndApply(memory: string): Promise<void> {
  const head = await repo.commit({ "40-vm.yaml": exampleFiles()["40-vm.yaml"]!.replace("requestMemory: 256M", `requestMemory: ${memory}`) }, `vm memory ${memory}`);
  await repo.push(url);
  service.trigger("test");
  await until(() => agent.commands.some((c) => c.key === VM && JSON.stringify(c.spec).includes(memory)), `the agent got vm1 with ${memory}`);
  await until(() => reports.some((r) => r.commit === head && r.notReady === 0), `a round on ${head.slice(0, 8)} with everything ready`);
}

T.before(async () => {
  cluster = await startNatsCluster(3);
  git = await startGitServer();
  git.createBareRepo("m");
  url = git.url("m");
  work = await tempDir("ctl-cluster");
  writeFileSync(join(work.path, "secret"), "s\n");
  repo = await makeRepo({ files: exampleFiles() });
  await repo.push(url);
});

T.after(async () => {
  await service?.stop().catch((e: unknown) => console.error("controller stop:", e));
  await agent?.kill().catch(() => undefined);
  await cluster?.stop();
  await git?.stop();
  await repo?.cleanup();
  await work?.cleanup();
});

T("--nats with three URLs and --nats-replicas 3: everything applied, every bucket R3", async () => {
  const { log } = captureLog();
  service = await startControllerService({ repo: url, branch: "main", path: ".", statusBranch: "status", workDir: join(work.path, "ctl"), nats: { url: cluster.urls }, natsReplicas: 3, pollIntervalMs: 1000, commandTimeoutMs: 10_000, log });
  service.onRound((r) => reports.push(r));
  agent = await new FakeAgent(await NatsAgentBus.connect({ servers: cluster.urls.split(","), node: "node1", log: captureLog().log }), "node1").start(1000);
  await until(() => reports.at(-1)?.notReady === 0, "all ready");
  const nc = await connect({ servers: cluster.urls.split(",") });
  try {
    for (const b of Object.values(BUCKETS)) assert.is((await (await new Kvm(nc).open(b)).status()).replicas, 3, `bucket ${b}`);
  } finally {
    await nc.close();
  }
  assert.ok(service.leadership.isLeader());
});

T("the JetStream meta leader killed: a change is applied and reported; restarted, it rejoins", async () => {
  const meta = await cluster.metaLeader();
  const i = [0, 1, 2].find((k) => serverName(k) === meta);
  assert.ok(i !== undefined, `meta leader ${meta} is one of ours`);
  await cluster.crash(i!);
  await changeAndApply("192M");
  await cluster.restart(i!);
  await until(async () => (await cluster.metaLeader()) !== undefined, "a meta leader after the restart", 60_000);
});

T("the inventory bucket's stream leader killed: nothing lost; the restarted server catches up", async () => {
  const leader = await cluster.streamLeader(`KV_${BUCKETS.inventory}`);
  const i = [0, 1, 2].find((k) => serverName(k) === leader);
  assert.ok(i !== undefined, `stream leader ${leader} is one of ours`);
  await cluster.crash(i!);
  await changeAndApply("160M");
  await cluster.restart(i!);
  // Caught up: the restarted server's view of the inventory stream is current, and a read through it has the last value.
  await until(async () => {
    const nc = await connect({ servers: cluster.servers[i!]!.url, noRandomize: true }).catch(() => undefined);
    if (!nc) return false;
    try {
      const m = await nc.request(`$JS.API.STREAM.INFO.KV_${BUCKETS.inventory}`, undefined, { timeout: 3000 }).catch(() => undefined);
      const info = m?.json() as { cluster?: { leader?: string; replicas?: { name: string; current: boolean }[] } } | undefined;
      const me = serverName(i!);
      return info?.cluster?.leader === me || info?.cluster?.replicas?.some((r) => r.name === me && r.current) === true;
    } finally {
      await nc.close();
    }
  }, "the restarted server current", 60_000);
  await changeAndApply("128M");
});

T.run();
