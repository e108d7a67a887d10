/**
 * Leader failover and a NATS cluster (issue #15), on real parts: three `humops controller`
 * processes, a three-server NATS cluster (buckets R3), a git http-backend server and a fake
 * agent (in-memory host) in this process.
 *
 * - leader kill -> first command from the new leader: kill -9 the leader, push a change at once,
 *   time until the agent receives a command with a newer epoch; median and max over LEADER_KILLS
 *   kills (default 20; goal <= 15 s). The killed controller is started again as a standby.
 * - push -> first command through the cluster, all servers up and with one down: p50/p95 over
 *   LEADER_PUSHES pushes each (default 20; goal p50 <= 300 ms), webhook-triggered.
 *
 *   npm run bench -- leader
 */
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { NatsAgentBus } from "../node-agent/bus/nats-agent-bus.js";
import { FakeAgent } from "../test/reconciler/controller/fake-agent.js";
import { exampleFiles } from "../test/reconciler/controller/harness.js";
import { startGitServer } from "../test/helpers/git-server.js";
import { makeRepo, tempDir } from "../test/helpers/manifests-repo.js";
import { startNatsCluster, serverName } from "../test/helpers/nats-cluster.js";
import { spawnUntilReady, stopProcess, type ServerProcess } from "../test/helpers/process-control.js";
import { percentile, reportFigures } from "./lib/report.js";

const KILLS = Number(process.env["LEADER_KILLS"] ?? 20);
const PUSHES = Number(process.env["LEADER_PUSHES"] ?? 20);
const ROOT = new URL("..", import.meta.url).pathname;
const HUMOPS = ["node", "--import", "tsx", join(ROOT, "cmd/humops.ts")] as const;
const SECRET = "bench-secret";
const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`bench timed out waiting for ${what}`);
    await sleep(5);
  }
}

const cluster = await startNatsCluster(3);
const git = await startGitServer();
git.createBareRepo("m");
const url = git.url("m");
const work = await tempDir("bench-leader");
writeFileSync(join(work.path, "secret"), `${SECRET}\n`);
const repo = await makeRepo({ files: exampleFiles() });
await repo.push(url);
const vm = exampleFiles()["40-vm.yaml"]!;
let flip = 0;
async function change(): Promise<string> {
  flip++;
  const head = await repo.commit({ "40-vm.yaml": vm.replace("requestMemory: 256M", `requestMemory: ${128 + (flip % 64)}M`) }, `bench ${flip}`);
  await repo.push(url);
  return head;
}

interface Ctl { name: string; port: number; proc: ServerProcess }
const ctls: Ctl[] = [];
async function startCtl(name: string, port: number): Promise<Ctl> {
  const dir = join(work.path, name);
  mkdirSync(dir, { recursive: true });
  const argv = [...HUMOPS, "controller", "--repo", url, "--nats", cluster.urls, "--nats-replicas", "3", "--interval", "30s", "--work-dir", dir, "--listen", `127.0.0.1:${port}`, "--webhook-secret-file", join(work.path, "secret")] as const;
  const proc = (await spawnUntilReady({ argv, ready: /"msg":"controller started"/, what: `controller ${name}`, timeoutMs: 60_000 })).proc;
  return { name, port, proc };
}
const leaderOf = async (): Promise<Ctl | undefined> => {
  for (const c of ctls) {
    const r = await fetch(`http://127.0.0.1:${c.port}/readyz`).then((x) => x.text(), () => "");
    if (r.includes("leader epoch")) return c;
  }
  return undefined;
};
const webhookAll = async (head: string): Promise<void> => {
  const body = JSON.stringify({ ref: "refs/heads/main", after: head });
  const sig = createHmac("sha256", SECRET).update(body).digest("hex");
  await Promise.all(ctls.map((c) => fetch(`http://127.0.0.1:${c.port}/hooks/git`, { method: "POST", headers: { "x-hub-signature-256": `sha256=${sig}` }, body }).catch(() => undefined)));
};

// The first controller creates the R3 buckets before the agent connects.
for (const [i, name] of ["a", "b", "c"].entries()) ctls.push(await startCtl(name, 18_400 + i));
const agent = await new FakeAgent(await NatsAgentBus.connect({ servers: cluster.urls.split(","), node: "node1", log }), "node1", { capacity: { vcpus: 4096, memoryBytes: 2 ** 50 } }).start(3000);
const received: { at: number; epoch: number | undefined }[] = [];
const origPush = agent.received.push.bind(agent.received);
agent.received.push = (...cmds) => {
  for (const c of cmds) received.push({ at: performance.now(), epoch: c.epoch });
  return origPush(...cmds);
};
await until("a first leader", () => (received.length > 0 ? true : undefined), 120_000);

async function pushLatency(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = received.length;
    const head = await change();
    const t0 = performance.now();
    await webhookAll(head);
    const at = await until("the command of a push", () => received.slice(before).find((r) => r.at >= t0)?.at, 60_000).catch(async (e: unknown) => {
      const l = await leaderOf();
      console.error(`no command; leader ${l?.name}; its last log lines:\n${(l ?? ctls[0]!).proc.output().split("\n").slice(-15).join("\n")}`);
      throw e;
    });
    out.push(at - t0);
    await sleep(300);
  }
  return out;
}

const allUp = await pushLatency(PUSHES);
// The server leading the inventory bucket's stream goes down (the hardest one to lose).
const invLeader = await cluster.streamLeader("KV_humops-inventory");
const down = Math.max(0, [0, 1, 2].findIndex((i) => serverName(i) === invLeader));
await cluster.crash(down);
await sleep(2_000);
const oneDown = await pushLatency(PUSHES);
if (process.env["LEADER_DEBUG"]) {
  const l = await leaderOf();
  console.error((l ?? ctls[0]!).proc.output().split("\n").filter((x) => /"level":(40|50)/.test(x)).slice(-12).join("\n"));
}
await cluster.restart(down);
await sleep(5_000);

const takeovers: number[] = [];
for (let k = 0; k < KILLS; k++) {
  const cur = await leaderOfSync();
  const epoch = received.at(-1)?.epoch ?? 0;
  process.kill(cur.proc.pid, "SIGKILL");
  const t0 = performance.now();
  const head = await change();
  // Keep poking the standbys' webhooks: only the new leader acts on them.
  const poke = setInterval(() => void webhookAll(head), 250);
  try {
    const at = await until("a command from the new leader", () => received.find((r) => r.at >= t0 && (r.epoch ?? 0) > epoch)?.at, 90_000);
    takeovers.push((at - t0) / 1000);
  } finally {
    clearInterval(poke);
  }
  await stopProcess(cur.proc.child, 0, "SIGKILL");
  ctls.splice(ctls.indexOf(cur), 1, await startCtl(cur.name, cur.port));
}

async function leaderOfSync(): Promise<Ctl> {
  for (let i = 0; i < 600; i++) {
    const l = await leaderOf();
    if (l) return l;
    await sleep(100);
  }
  throw new Error("no leader");
}

const median = (v: number[]) => percentile(v, 50);
reportFigures("leader", [
  { name: "leader kill -> first command, median", value: median(takeovers), unit: "s", goal: "<= 15 s" },
  { name: "leader kill -> first command, max", value: Math.max(...takeovers), unit: "s", goal: "<= 15 s" },
  { name: "push -> first command, 3 servers up, p50", value: median(allUp), unit: "ms", goal: "<= 300 ms" },
  { name: "push -> first command, 3 servers up, p95", value: percentile(allUp, 95), unit: "ms" },
  { name: "push -> first command, one server down, p50", value: median(oneDown), unit: "ms", goal: "<= 300 ms" },
  { name: "push -> first command, one server down, p95", value: percentile(oneDown, 95), unit: "ms" },
], { kills: KILLS, pushes: PUSHES, takeoversS: takeovers, allUpMs: allUp, oneDownMs: oneDown });

await agent.kill();
for (const c of ctls) await stopProcess(c.proc.child, 15_000);
await cluster.stop();
await git.stop();
await repo.cleanup();
await work.cleanup();
