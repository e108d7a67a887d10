/**
 * Three `humops controller` processes on one repository and one NATS (issue #15, CONTRACT §6.3),
 * a real agent in a netns node: exactly one leads; kill -9 of the leader in the middle of
 * applying 50 networks hands over to another, which finishes; a paused (SIGSTOP) leader is
 * replaced and, woken (SIGCONT), has nothing it sends obeyed; the status branch stays linear.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, waitFor, type E2eCluster } from "../helpers/e2e-cluster.js";
import type { ServerProcess } from "../helpers/process-control.js";
import { stopProcess } from "../helpers/process-control.js";
import { baseFiles } from "./scenario.js";

const N = 50;
let c: E2eCluster;
let group: string;
const controllers: { name: string; proc: () => ServerProcess | undefined; log: () => string; pid: () => number }[] = [];

const net = (i: number): string => `net${String(i).padStart(2, "0")}`;
const netFile = (i: number): string =>
  [
    "meta:",
    "  apiType: systemv0/network",
    `  id: ${net(i)}`,
    `  group: ${group}`,
    "  namespace: ns1",
    "  annotations:",
    "    networkv0/network_type: Bridge",
    "spec:",
    `  ipv4CIDR: 10.${60 + Math.floor(i / 200)}.${i % 200}.0/24`,
    "",
  ].join("\n");
const netStatus = (i: number): string => `groups/${group}/namespaces/ns1/network/${net(i)}.yaml`;
const files = (n: number): Record<string, string> => {
  const f: Record<string, string> = { ...baseFiles(group) };
  for (let i = 0; i < n; i++) f[`50-${net(i)}.yaml`] = netFile(i);
  return f;
};
const readyCount = async (n: number): Promise<number> => {
  let k = 0;
  for (let i = 0; i < n; i++) if ((await c.status(netStatus(i)))?.["ready"] === true) k++;
  return k;
};

/** Who logged "elected leader" last and has not logged "lost the leader lease" after it. */
function leaders(): { name: string; epoch: number }[] {
  const out: { name: string; epoch: number }[] = [];
  for (const ctl of controllers) {
    if (ctl.proc() === undefined) continue;
    const lines = ctl.log().split("\n").filter((l) => l.includes("elected leader") || l.includes("lost the leader lease"));
    const last = lines.at(-1);
    if (last?.includes("elected leader")) out.push({ name: ctl.name, epoch: (JSON.parse(last) as { epoch: number }).epoch });
  }
  return out;
}

/** The agent's journal: every command received, with its epoch, and what ran. */
function journal(): { event: string; commandId?: string; key?: string; epoch?: number; generation?: number; ok?: boolean }[] {
  const path = join(c.agents.get("node1")!.dataDir, "journal.jsonl");
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { event: string });
}

/** Commits of the status branch with their parents: linear = every commit has at most one parent and the chain is unbroken. */
function statusChain(): string[][] {
  return execFileSync("git", ["--git-dir", c.bareRepo, "rev-list", "--parents", "status"], { encoding: "utf8" }).trim().split("\n").map((l) => l.split(" "));
}

const T = suite("three controllers, one leader (issue #15)");

T("three controllers start; exactly one leads", async () => {
  c = await startCluster({ nodes: ["node1"] });
  group = `g${c.tag}`;
  controllers.push({ name: "a", proc: () => ({ pid: c.controllerPid }) as ServerProcess, log: () => c.controllerLog(), pid: () => c.controllerPid });
  for (const name of ["b", "c"]) {
    let p: ServerProcess | undefined = await c.startExtraController(name);
    controllers.push({ name, proc: () => p, log: () => p?.output() ?? "", pid: () => p!.pid });
    void p.child.once("exit", () => (p = undefined));
  }
  await waitFor("one leader", () => leaders().length === 1, 60_000);
  assert.equal(leaders().length, 1);
});

T("kill -9 of the leader while 50 networks are applied: another takes over and finishes; nothing runs twice; the status branch is linear", async () => {
  const first = leaders()[0]!;
  await c.push(files(N), "50 networks");
  await waitFor("a few networks ready", async () => (await readyCount(N)) >= 3, 180_000);
  const victim = controllers.find((x) => x.name === first.name)!;
  process.kill(victim.pid(), "SIGKILL");
  const killedAt = Date.now();
  if (victim.name !== "a") await waitFor("the leader gone", () => victim.proc() === undefined, 30_000);
  const next = await waitFor("another leader", () => leaders().find((l) => l.name !== first.name && l.epoch > first.epoch), 60_000);
  const takeoverMs = Date.now() - killedAt;
  await waitFor("all 50 networks ready", async () => (await readyCount(N)) === N, 300_000);
  // Nothing ran twice: each network's apply of its generation executed once on the node.
  const started = journal().filter((r) => r.event === "started" && r.key?.includes("/network/") && r.key.includes(group));
  const runs = new Map<string, number>();
  for (const r of started) runs.set(`${r.key}@${r.generation}`, (runs.get(`${r.key}@${r.generation}`) ?? 0) + 1);
  const twice = [...runs].filter(([, n]) => n > 1);
  if (twice.length > 0) {
    const k = twice[0]![0].split("@")[0]!;
    console.error(journal().filter((r) => r.key === k).map((r) => JSON.stringify(r)).join("\n"));
    for (const ctl of controllers) console.error(`--- ${ctl.name}\n` + ctl.log().split("\n").filter((l) => l.includes(k.split("/").at(-1)!) || /elected|lost the leader|status/.test(l)).slice(-20).join("\n"));
  }
  assert.equal(twice, [], "an apply executed twice on the node");
  for (const l of statusChain()) assert.ok(l.length <= 2, `status commit ${l[0]} has ${l.length - 1} parents`);
  console.log(JSON.stringify({ takeoverMs, from: first, to: next }));
  if (victim.name === "a") controllers.find((x) => x.name === "a")!.proc = () => undefined;
});

T("a paused leader is replaced; woken up, nothing it sends is obeyed and it steps down", async () => {
  const paused = leaders()[0]!;
  const ctl = controllers.find((x) => x.name === paused.name)!;
  process.kill(ctl.pid(), "SIGSTOP");
  try {
    const next = await waitFor("a new leader while the old one is paused", () => leaders().find((l) => l.name !== paused.name && l.epoch > paused.epoch), 60_000);
    await c.push(files(N + 1), "one more network");
    await waitFor("the new network ready", async () => (await c.status(netStatus(N)))?.["ready"] === true, 120_000);
    const before = journal().length;
    process.kill(ctl.pid(), "SIGCONT");
    await waitFor("the woken controller steps down", () => ctl.log().split("\n").filter((l) => l.includes("lost the leader lease")).length > 0 && !leaders().some((l) => l.name === paused.name), 60_000);
    // Whatever it sent after waking was refused: no command of its epoch started on the node.
    const after = journal().slice(before);
    const oldEpoch = after.filter((r) => r.event === "received" && r.epoch !== undefined && r.epoch < next.epoch).map((r) => r.commandId);
    const ran = after.filter((r) => r.event === "started" && oldEpoch.includes(r.commandId));
    assert.equal(ran, [], "a command of the old epoch ran");
    for (const l of statusChain()) assert.ok(l.length <= 2, `status commit ${l[0]} has ${l.length - 1} parents`);
    assert.equal(leaders().length, 1);
  } finally {
    process.kill(ctl.pid(), "SIGCONT");
  }
});

T.after(async () => {
  for (const ctl of controllers.slice(1)) {
    const p = ctl.proc();
    if (p) await stopProcess(p.child, 15_000);
  }
  await c?.stop();
});

T.run();
