/**
 * Storage benchmark (issue #6):
 * 1. 50 disks from one 200 MiB base image: qcow2 overlays (the BaseImage driver path) against
 *    full copies with `cp`: wall time and bytes on disk (`du -sB1`).
 * 2. HTTP download throughput on loopback: the agent's downloader (through the download API
 *    serving an image entity) against `curl` fetching the same URL, with and without a closing
 *    `sync FILE` (the agent fsyncs); goal >= 0.9x curl. One warm-up round, then BENCH_ROUNDS
 *    interleaved rounds (default 7); diagnostics: the agent with one fsync at the end only,
 *    node's bare receive path, curl to /dev/null (the server's ceiling). BENCH_VERBOSE=1 prints
 *    every run with the client process's CPU time; BENCH_DISKS=0 skips part 1.
 * 3. The same download of a file larger than the client's page cache share: a BENCH_LARGE_MIB
 *    (default 2048) Local disk served by the download API, the clients in a memory cgroup of
 *    BENCH_LARGE_MEM_MIB (default 512; bench/lib/memory-cgroup.ts), so both the agent and curl
 *    must have the kernel write back and reclaim while they receive. Agent vs curl + sync,
 *    BENCH_LARGE_ROUNDS (default 3) interleaved rounds; BENCH_LARGE_MIB=0 skips it.
 * Run: `npm run bench -- storage` (needs qemu-img and curl; writes bench/results/storage.json).
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { get as httpGet } from "node:http";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { SpawnRunner } from "../node-agent/host/spawn-runner.js";
import type { DriverContext, NodeEnvironment } from "../node-agent/driver.js";
import { BlockStorageDriver } from "../node-agent/storage/blockstorage-driver.js";
import { ImageEntityDriver } from "../node-agent/storage/imageentity-driver.js";
import { LocalDiskBackend } from "../node-agent/storage/local-disk-backend.js";
import { startDownloadApi, storageFileResolver } from "../node-agent/storage/download-api.js";
import { downloadFile, discardPart } from "../node-agent/storage/http-download.js";
import { sha256File } from "../node-agent/storage/file-io.js";
import { localDiskPath } from "../node-agent/storage/layout.js";
import { makeMemoryCgroup, type MemoryCgroup } from "./lib/memory-cgroup.js";
import { reportFigures, percentile, type Figure } from "./lib/report.js";

const MiB = 1024 * 1024;

/** What the `clients` child process is given. */
interface ClientsArgs {
  readonly url: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly dir: string;
  /** Contenders to run (default: all) and rounds (default BENCH_ROUNDS). */
  readonly names?: readonly string[];
  readonly rounds?: number;
  /** Skip the untimed warm-up round. */
  readonly noWarmUp?: boolean;
  /** Wait for a line on stdin before starting (the parent first moves the process into a cgroup). */
  readonly waitForGo?: boolean;
}
const DISKS = Number(process.env["BENCH_DISKS"] ?? 50);
const MODE = process.argv[2];
const root = MODE === "serve" ? "" : MODE === "clients" ? (JSON.parse(process.argv[3] ?? "{}") as ClientsArgs).dir : mkdtempSync(join(tmpdir(), "hm-bench-storage-"));
const env: NodeEnvironment = { nodeName: "bench", address: "127.0.0.1", dataDir: root, blockStorageDir: join(root, "bs"), imageDir: join(root, "img") };
const ctx: DriverContext = { runner: new SpawnRunner(), log: pino({ level: "silent" }), signal: new AbortController().signal, node: env };

function duBytes(path: string): number {
  return Number(spawnSync("du", ["-sB1", path], { encoding: "utf8" }).stdout.split("\t")[0]);
}

/** A 200 MiB base image entity with real (non-zero) data. */
async function makeEntity(): Promise<{ key: string; sha256: string; sizeBytes: number; path: string }> {
  const raw = join(root, "base.raw");
  const block = Buffer.alloc(MiB);
  const chunks: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    for (let o = 0; o < MiB; o += 4096) block.writeUInt32LE((i * 7919 + o) >>> 0, o);
    chunks.push(Buffer.from(block));
  }
  writeFileSync(raw, Buffer.concat(chunks));
  const disk = { group: "g", namespace: "n", id: "basedisk" };
  await new LocalDiskBackend(ctx.runner, env.blockStorageDir).createFromFile(disk, { path: raw, format: "raw" }, 200 * MiB, ctx.signal);
  rmSync(raw);
  const ent = await new ImageEntityDriver().apply(
    { key: "systemv0/imageentity/g/base", apiType: "systemv0/imageentity", id: "base", group: "g", annotations: {}, spec: {}, generation: 1, context: { sourceDisk: { key: "systemv0/blockstorage/g/n/basedisk", type: "Local" } } },
    ctx,
  );
  return { key: ent.key, sha256: String(ent.details["sha256"]), sizeBytes: Number(ent.details["sizeBytes"]), path: String(ent.details["location"]) };
}

async function overlays(ent: { key: string; sha256: string; sizeBytes: number; path: string }): Promise<Figure[]> {
  const driver = new BlockStorageDriver();
  const t0 = performance.now();
  const each: number[] = [];
  for (let i = 0; i < DISKS; i++) {
    const ti = performance.now();
    await driver.apply(
      {
        key: `systemv0/blockstorage/g/ov/d${i}`, apiType: "systemv0/blockstorage", id: `d${i}`, group: "g", namespace: "ov", annotations: {}, generation: 1,
        spec: { limitSize: "1G", from: { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } } },
        context: { baseImage: { entityKey: ent.key, sha256: ent.sha256, sizeBytes: ent.sizeBytes, source: { localPath: ent.path } } },
      },
      ctx,
    );
    each.push(performance.now() - ti);
    if (process.env["BENCH_VERBOSE"]) console.log(`overlay ${i}: ${(performance.now() - ti).toFixed(0)} ms`);
  }
  const ms = performance.now() - t0;
  const bytes = duBytes(join(env.blockStorageDir, "g", "ov"));
  const copyDir = join(root, "copies");
  mkdirSync(copyDir);
  const t1 = performance.now();
  for (let i = 0; i < DISKS; i++) spawnSync("cp", ["--reflink=never", ent.path, join(copyDir, `d${i}.qcow2`)]);
  const cpMs = performance.now() - t1;
  const cpBytes = duBytes(copyDir);
  rmSync(copyDir, { recursive: true });
  return [
    { name: "50 overlay disks: total time", value: ms, unit: "ms" },
    { name: "50 overlay disks: per disk p50", value: percentile(each, 50), unit: "ms" },
    { name: "50 overlay disks: per disk p95", value: percentile(each, 95), unit: "ms" },
    { name: "50 overlay disks: bytes on disk", value: bytes, unit: "B" },
    { name: "50 full copies (cp): total time", value: cpMs, unit: "ms" },
    { name: "50 full copies (cp): bytes on disk", value: cpBytes, unit: "B" },
    { name: "overlays: time vs cp", value: ms / cpMs, unit: "x" },
    { name: "overlays: bytes vs cp", value: bytes / cpBytes, unit: "x" },
  ];
}

/** Serves the entity from a child process (this same file, `serve` mode), so neither client shares its event loop. */
async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "serve", JSON.stringify(env)], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url, stop: () => void child.kill("SIGTERM") };
}

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 7);
const run = promisify(execFile);

/** node http.get piped straight into a write stream: no sha256, no checks, no fsync (the floor of the receive path). */
function barePipe(url: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { authorization: "Bearer t" } }, (res) => void pipeline(res, createWriteStream(out, { highWaterMark: 4 * MiB })).then(resolve, reject)).on("error", reject);
  });
}

/** The contenders of one round, each given a path that does not exist yet. */
function contenders(url: string, ent: { sha256: string }): Record<string, (out: string) => Promise<unknown>> {
  const curl = (out: string) => run("curl", ["-sSf", "-H", "authorization: Bearer t", "-o", out, url]);
  return {
    agent: async (out) => {
      await discardPart(out);
      return downloadFile({ url, part: out, headers: { authorization: "Bearer t" }, expectSha256: ent.sha256 });
    },
    // The same download with one fsync at the end (how it was before the background syncs).
    agentEndSync: async (out) => {
      await discardPart(out);
      return downloadFile({ url, part: out, headers: { authorization: "Bearer t" }, expectSha256: ent.sha256, syncEveryBytes: 0 });
    },
    curl,
    // The agent fsyncs before it trusts a download (crash safety); curl then sync(1) of the file is the like-for-like figure.
    curlSync: async (out) => {
      await curl(out);
      await run("sync", [out]);
    },
    bare: (out) => barePipe(url, out),
    curlNull: () => run("curl", ["-sSf", "-H", "authorization: Bearer t", "-o", "/dev/null", url]),
  };
}

/** Times one contender on a fresh file (removed again right after, which drops its dirty pages); returns MiB/s. */
async function timeOne(name: string, fn: (out: string) => Promise<unknown>, sizeBytes: number, round: number): Promise<number> {
  const out = join(root, `dl-${name}.out`);
  rmSync(out, { force: true });
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  await fn(out);
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  rmSync(out, { force: true });
  const speed = sizeBytes / MiB / (ms / 1000);
  if (process.env["BENCH_VERBOSE"]) {
    console.log(`round ${round} ${name}: ${speed.toFixed(0)} MiB/s, ${ms.toFixed(0)} ms, this process cpu user ${(cpu.user / 1000).toFixed(0)} + sys ${(cpu.system / 1000).toFixed(0)} ms`);
  }
  return speed;
}

/**
 * MiB/s of each contender per round, after one untimed warm-up round; the order rotates every
 * round so none always follows the same neighbour.
 */
async function measureRounds(args: ClientsArgs): Promise<Record<string, number[]>> {
  const runs = contenders(args.url, args);
  const names = args.names ?? Object.keys(runs);
  const speeds: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  if (!args.noWarmUp) for (const name of names) await timeOne(name, runs[name]!, args.sizeBytes, -1);
  for (let round = 0; round < (args.rounds ?? ROUNDS); round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      speeds[name]!.push(await timeOne(name, runs[name]!, args.sizeBytes, round));
    }
  }
  return speeds;
}

/**
 * Runs measureRounds in a fresh process (this file, `clients` mode). This process built the
 * 200 MiB image in memory; after that V8 ran a mark-compact every ~40 ms while node received
 * (external-memory pressure; none in a fresh process), which halved node's receive path.
 */
async function runClients(args: ClientsArgs, cgroup?: MemoryCgroup): Promise<Record<string, number[]>> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "clients", JSON.stringify({ ...args, waitForGo: !!cgroup })], { stdio: ["pipe", "pipe", "inherit"] });
  if (cgroup) {
    cgroup.add(child.pid!);
    child.stdin.write("go\n");
  }
  child.stdin.end();
  let out = "";
  child.stdout.on("data", (d: Buffer) => void (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`bench clients exited ${code}`);
  const lines = out.trim().split("\n");
  for (const line of lines.slice(0, -1)) console.log(line); // BENCH_VERBOSE lines
  return JSON.parse(lines.at(-1) ?? "{}") as Record<string, number[]>;
}

async function throughput(ent: { key: string; sha256: string; sizeBytes: number }): Promise<Figure[]> {
  const server = await startServer();
  let s: Record<string, number[]>;
  try {
    s = await runClients({ url: `${server.url}/v1/${ent.key}`, sha256: ent.sha256, sizeBytes: ent.sizeBytes, dir: root });
  } finally {
    server.stop();
  }
  const med = (name: string) => percentile(s[name]!, 50);
  const perRound = (a: string, b: string) => percentile(s[a]!.map((v, i) => v / s[b]![i]!), 50);
  const n = `median of ${ROUNDS}`;
  return [
    { name: `HTTP download (agent: checks, sha256, fsync), ${n}`, value: med("agent"), unit: "MiB/s" },
    { name: `HTTP download (agent, fsync only at the end), ${n}`, value: med("agentEndSync"), unit: "MiB/s" },
    { name: `HTTP download (curl -o), ${n}`, value: med("curl"), unit: "MiB/s" },
    { name: `HTTP download (curl -o, then sync FILE), ${n}`, value: med("curlSync"), unit: "MiB/s" },
    { name: `HTTP download (node http.get | file, no sha256/fsync), ${n}`, value: med("bare"), unit: "MiB/s" },
    { name: `HTTP download (curl -o /dev/null: the server's ceiling), ${n}`, value: med("curlNull"), unit: "MiB/s" },
    { name: "agent vs curl (ratio of medians)", value: med("agent") / med("curl"), unit: "x", goal: ">= 0.9" },
    { name: "agent vs curl + sync (ratio of medians)", value: med("agent") / med("curlSync"), unit: "x", goal: ">= 0.9" },
    { name: "agent vs curl (median of per-round ratios)", value: perRound("agent", "curl"), unit: "x", goal: ">= 0.9" },
    { name: "agent vs curl + sync (median of per-round ratios)", value: perRound("agent", "curlSync"), unit: "x", goal: ">= 0.9" },
  ];
}

const LARGE_MIB = Number(process.env["BENCH_LARGE_MIB"] ?? 2048);
const LARGE_MEM_MIB = Number(process.env["BENCH_LARGE_MEM_MIB"] ?? 512);
const LARGE_ROUNDS = Number(process.env["BENCH_LARGE_ROUNDS"] ?? 3);

/** A LARGE_MIB Local disk of real data (written 1 MiB at a time, never whole in memory). */
async function makeLargeDisk(): Promise<{ key: string; sha256: string; sizeBytes: number }> {
  const raw = join(root, "large.raw");
  const fd = openSync(raw, "w");
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < LARGE_MIB; i++) {
    for (let o = 0; o < MiB; o += 4096) block.writeUInt32LE((i * 104729 + o + 1) >>> 0, o);
    writeSync(fd, block);
  }
  closeSync(fd);
  const disk = { group: "g", namespace: "big", id: "bigdisk" };
  await new LocalDiskBackend(ctx.runner, env.blockStorageDir).createFromFile(disk, { path: raw, format: "raw" }, LARGE_MIB * MiB, ctx.signal);
  rmSync(raw);
  const path = localDiskPath(env.blockStorageDir, disk);
  return { key: "systemv0/blockstorage/g/big/bigdisk", sha256: await sha256File(path), sizeBytes: statSync(path).size };
}

/** Part 3: agent vs curl + sync on a file larger than the clients' page cache share (their memory cgroup). */
async function largeThroughput(): Promise<{ figures: Figure[]; setup: Record<string, unknown> }> {
  const disk = await makeLargeDisk();
  const made = makeMemoryCgroup(LARGE_MEM_MIB * MiB);
  const cgroup = "unavailable" in made ? undefined : made;
  if (!cgroup) console.log(`large-file download: no memory cgroup (${"unavailable" in made ? made.unavailable : ""}); page cache not limited`);
  const server = await startServer();
  let s: Record<string, number[]>;
  try {
    const args = { url: `${server.url}/v1/${disk.key}`, sha256: disk.sha256, sizeBytes: disk.sizeBytes, dir: root, names: ["agent", "curlSync"], rounds: LARGE_ROUNDS, noWarmUp: true };
    s = await runClients(args, cgroup);
  } finally {
    server.stop();
    cgroup?.remove();
  }
  rmSync(localDiskPath(env.blockStorageDir, { group: "g", namespace: "big", id: "bigdisk" }), { force: true });
  const ratios = s["agent"]!.map((v, i) => v / s["curlSync"]![i]!);
  const what = `large file (${(disk.sizeBytes / MiB).toFixed(0)} MiB, clients' page cache ${cgroup ? `limited to ${LARGE_MEM_MIB} MiB` : "not limited"})`;
  const n = `median of ${LARGE_ROUNDS}`;
  return {
    setup: { sizeBytes: disk.sizeBytes, rounds: LARGE_ROUNDS, memoryCgroup: cgroup ? { version: cgroup.version, limitBytes: cgroup.limitBytes } : null, runs: s },
    figures: [
      { name: `${what}: agent, ${n}`, value: percentile(s["agent"]!, 50), unit: "MiB/s" },
      { name: `${what}: curl -o, then sync FILE, ${n}`, value: percentile(s["curlSync"]!, 50), unit: "MiB/s" },
      { name: "large file: agent vs curl + sync (median of per-round ratios)", value: percentile(ratios, 50), unit: "x", goal: ">= 0.9" },
      { name: "large file: agent vs curl + sync (lowest per-round ratio)", value: Math.min(...ratios), unit: "x" },
      { name: "large file: agent vs curl + sync (highest per-round ratio)", value: Math.max(...ratios), unit: "x" },
    ],
  };
}

if (MODE === "clients") {
  const args = JSON.parse(process.argv[3] ?? "{}") as ClientsArgs;
  if (args.waitForGo) await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdout.write(`${JSON.stringify(await measureRounds(args))}\n`);
} else if (MODE === "serve") {
  const served: NodeEnvironment = JSON.parse(process.argv[3] ?? "{}");
  const api = await startDownloadApi({ listenAddress: "127.0.0.1", listenPort: 0, token: "t", resolve: storageFileResolver(served, new SpawnRunner()) });
  process.stdout.write(`${api.baseUrl}\n`);
  process.once("SIGTERM", () => void api.close().then(() => process.exit(0)));
  // The parent holds our stdin: when it dies without stopping us (Ctrl-C, a crash), stop too.
  process.stdin.once("end", () => process.exit(0)).resume();
} else {
  await main();
}

async function main(): Promise<void> {
  try {
    const ent = await makeEntity();
    // BENCH_DISKS=0 skips the overlay part (e.g. to rerun only the download figures).
    const figures = [...(DISKS > 0 ? await overlays(ent) : []), ...(await throughput(ent))];
    const large = LARGE_MIB > 0 ? await largeThroughput() : undefined;
    reportFigures("storage", [...figures, ...(large?.figures ?? [])], { disks: DISKS, baseImageBytes: ent.sizeBytes, ...(large ? { largeFile: large.setup } : {}) });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
