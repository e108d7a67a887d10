/**
 * Loss detection on real parts (issue #14, CONTRACT.md §6.2): a real nats-server (the liveness
 * bucket's TTL decides NotReady), a git http-backend, the controller service with a short
 * `nodeLostAfterMs`, and a fake agent on the real agent bus. An agent that dies makes its node
 * NotReady and, once the delay has run out, lost: the status branch says NodeLost with the node
 * and time, and the node's file has `lostAt`. When the agent comes back nothing is re-created.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import { startControllerService, type ControllerService } from "../../../reconciler/controller/service.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";
import { startGitServer, type GitServer } from "../../helpers/git-server.js";
import { cloneRepo, makeRepo, tempDir, type ManifestsRepo, type TempDir } from "../../helpers/manifests-repo.js";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { until } from "../../helpers/until.js";
import { FakeAgent } from "../../reconciler/controller/fake-agent.js";
import { captureLog, exampleFiles } from "../../reconciler/controller/harness.js";

const t = suite("a node lost for longer than --node-lost-after");
const VM = "systemv0/virtualmachine/group1/ns1/vm1";

const env = {} as { nats: NatsServer; git: GitServer; repo: ManifestsRepo; work: TempDir; url: string; agent: FakeAgent; service: ControllerService };

async function agentOn(host?: Map<string, ObservedResource>): Promise<FakeAgent> {
  const bus = await NatsAgentBus.connect({ servers: env.nats.url, node: "node1", log: captureLog().log });
  return new FakeAgent(bus, "node1", host ? { host } : {}).start(1000);
}

async function statusBranch() {
  const c = await cloneRepo(env.url, { ref: "status" });
  try {
    const files = new Map<string, string>();
    for (const p of execFileSync("git", ["-C", c.dir, "ls-files"], { encoding: "utf8" }).trim().split("\n")) files.set(p, execFileSync("git", ["-C", c.dir, "show", `HEAD:${p}`], { encoding: "utf8" }));
    return { ...parseStatusFiles(files), readme: files.get("README.md") ?? "" };
  } finally {
    await c.cleanup();
  }
}

t.before(async () => {
  env.nats = await startNats();
  env.git = await startGitServer();
  env.git.createBareRepo("m");
  env.url = env.git.url("m");
  env.work = await tempDir("node-lost");
  env.repo = await makeRepo({ files: exampleFiles() });
  await env.repo.push(env.url);
});

t.after(async () => {
  await env.service?.stop().catch(() => undefined);
  await env.agent?.kill().catch(() => undefined);
  await env.nats?.stop();
  await env.git?.stop();
  await env.repo?.cleanup();
  await env.work?.cleanup();
});

t("the agent dies: NodeNotReady, then NodeLost with the node and time once the delay ran out; it returns: ready, nothing re-created", async () => {
  env.agent = await agentOn();
  env.service = await startControllerService({
    repo: env.url, branch: "main", path: ".", statusBranch: "status", workDir: join(env.work.path, "ctl"), nats: { url: env.nats.url },
    pollIntervalMs: 0, commandTimeoutMs: 5000, nodeLostAfterMs: 3000, log: captureLog().log,
  });
  let st: Awaited<ReturnType<typeof statusBranch>> | undefined;
  await until("everything ready on the status branch", async () => (st = await statusBranch().catch(() => undefined)) !== undefined && [...st.resources.values()].every((r) => r.ready) && st.resources.size === 10, 60_000, 500);
  const sent = env.agent.commands.length;
  const host = new Map(env.agent.host);
  const diedAt = Date.now();
  await env.agent.kill();
  // The liveness key expires (bucket TTL), the node is NotReady, and 3 s later lost.
  await until("the VM NodeLost on the status branch", async () => (st = await statusBranch()).resources.get(VM)?.conditions.find((c) => c.type === "Ready")?.reason === "NodeLost", 90_000, 500);
  const ready = st!.resources.get(VM)!.conditions.find((c) => c.type === "Ready")!;
  const node = st!.nodes.get("node1")!;
  assert.is(node.ready, false);
  assert.ok(node.lostAt !== undefined, "the node's status file has lostAt");
  assert.is(Date.parse(node.lostAt!) - Date.parse(node.since), 3000, "lost exactly the delay after it went NotReady");
  assert.ok(Date.parse(node.since) >= diedAt - 1000, "NotReady counted from when the agent died");
  assert.match(ready.message, `node node1 was lost at ${node.lostAt}`);
  assert.match(st!.readme, `| node1 | no: lost at ${node.lostAt} |`);
  // The agent comes back with the same host: ready, lostAt gone, nothing applied again.
  env.agent = await agentOn(host);
  await until("everything ready again", async () => (st = await statusBranch()).nodes.get("node1")?.ready === true && [...st.resources.values()].every((r) => r.ready), 60_000, 500);
  assert.is(st!.nodes.get("node1")!.lostAt, undefined);
  assert.is(env.agent.commands.length, 0, `nothing re-created (${sent} commands before the loss)`);
});

t.run();
