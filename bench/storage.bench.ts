/**
 * Storage benchmark (issue #6):
 * 1. 50 disks from one 200 MiB base image: qcow2 overlays (the BaseImage driver path) against
 *    full copies with `cp`: wall time and bytes on disk (`du -sB1`).
 * 2. HTTP download throughput on loopback: the agent's downloader (through the download API
 *    serving an image entity) against `curl` fetching the same URL; goal >= 0.9x curl.
 * Run: `npm run bench -- storage` (needs qemu-img and curl; writes bench/results/storage.json).
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { ZxRunner } from "../node-agent/host/zx-runner.js";
import type { DriverContext, NodeEnvironment } from "../node-agent/driver.js";
import { BlockStorageDriver } from "../node-agent/storage/blockstorage-driver.js";
import { ImageEntityDriver } from "../node-agent/storage/imageentity-driver.js";
import { LocalDiskBackend } from "../node-agent/storage/local-disk-backend.js";
import { startDownloadApi, storageFileResolver } from "../node-agent/storage/download-api.js";
import { downloadFile, discardPart } from "../node-agent/storage/http-download.js";
import { reportFigures, percentile, type Figure } from "./lib/report.js";

const MiB = 1024 * 1024;
const DISKS = Number(process.env["BENCH_DISKS"] ?? 50);
const root = process.argv[2] === "serve" ? "" : mkdtempSync(join(tmpdir(), "hm-bench-storage-"));
const env: NodeEnvironment = { nodeName: "bench", address: "127.0.0.1", dataDir: root, blockStorageDir: join(root, "bs"), imageDir: join(root, "img") };
const ctx: DriverContext = { runner: new ZxRunner(), log: pino({ level: "silent" }), signal: new AbortController().signal, node: env };

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
  const child = spawn(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "serve", JSON.stringify(env)], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url, stop: () => void child.kill("SIGTERM") };
}

async function throughput(ent: { key: string; sha256: string; sizeBytes: number }): Promise<Figure[]> {
  const server = await startServer();
  const url = `${server.url}/v1/${ent.key}`;
  const ours: number[] = [];
  const curl: number[] = [];
  const curlSync: number[] = [];
  const part = join(root, "dl.part");
  try {
    for (let round = 0; round < 5; round++) {
      await discardPart(part);
      let t = performance.now();
      await downloadFile({ url, part, headers: { authorization: "Bearer t" }, expectSha256: ent.sha256 });
      ours.push(ent.sizeBytes / MiB / ((performance.now() - t) / 1000));
      rmSync(join(root, "curl.out"), { force: true });
      t = performance.now();
      await promisify(execFile)("curl", ["-sSf", "-H", "authorization: Bearer t", "-o", join(root, "curl.out"), url]);
      curl.push(ent.sizeBytes / MiB / ((performance.now() - t) / 1000));
      // The agent fsyncs before it trusts a download (crash safety); curl followed by sync(1) of the file is the like-for-like figure.
      rmSync(join(root, "curl.out"), { force: true });
      t = performance.now();
      await promisify(execFile)("curl", ["-sSf", "-H", "authorization: Bearer t", "-o", join(root, "curl.out"), url]);
      await promisify(execFile)("sync", [join(root, "curl.out")]);
      curlSync.push(ent.sizeBytes / MiB / ((performance.now() - t) / 1000));
    }
  } finally {
    server.stop();
  }
  const a = percentile(ours, 50);
  const b = percentile(curl, 50);
  const c = percentile(curlSync, 50);
  return [
    { name: "HTTP download (agent, sha256 + fsync), median of 5", value: a, unit: "MiB/s" },
    { name: "HTTP download (curl -o), median of 5", value: b, unit: "MiB/s" },
    { name: "HTTP download (curl -o, then sync FILE), median of 5", value: c, unit: "MiB/s" },
    { name: "agent vs curl", value: a / b, unit: "x", goal: ">= 0.9" },
    { name: "agent vs curl + sync", value: a / c, unit: "x", goal: ">= 0.9" },
  ];
}

if (process.argv[2] === "serve") {
  const served: NodeEnvironment = JSON.parse(process.argv[3] ?? "{}");
  const api = await startDownloadApi({ listenAddress: "127.0.0.1", listenPort: 0, token: "t", resolve: storageFileResolver(served, new ZxRunner()) });
  process.stdout.write(`${api.baseUrl}\n`);
  process.once("SIGTERM", () => void api.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  try {
    const ent = await makeEntity();
    const figures = [...(await overlays(ent)), ...(await throughput(ent))];
    reportFigures("storage", figures, { disks: DISKS, baseImageBytes: ent.sizeBytes });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
