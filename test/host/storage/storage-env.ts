/**
 * Shared setup of the storage host tests: a node environment in a temp dir, a real SpawnRunner,
 * a silent logger, commands for disks and entities, and a qemu process that holds a disk
 * open (as a running VM does). Test infrastructure: spawns qemu directly with an argv array.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { DriverContext, NodeEnvironment } from "../../../node-agent/driver.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";
import { onExitCleanup } from "../../helpers/exit-cleanup.js";
import { findExecutable, stopProcess } from "../../helpers/process-control.js";
import { testTag } from "../../helpers/test-tag.js";

/** A fresh node environment (dirs under one temp dir). */
export function makeEnv(nodeName: string, ceph?: NodeEnvironment["ceph"]): NodeEnvironment {
  findExecutable("qemu-img", "apt-get install qemu-utils");
  const root = mkdtempSync(join(tmpdir(), `hm-st-${testTag()}-${nodeName}-`));
  return { nodeName, address: "127.0.0.1", dataDir: root, blockStorageDir: join(root, "blockstorages"), imageDir: join(root, "images"), ...(ceph ? { ceph } : {}) };
}

/** A driver context on the real host. */
export function makeCtx(node: NodeEnvironment): DriverContext {
  return { runner: new SpawnRunner(), log: pino({ level: "silent" }), signal: new AbortController().signal, node };
}

/** A blockstorage command in group1/ns1. */
export function diskCmd(id: string, spec: Record<string, unknown>, opts: { annotations?: Record<string, string>; context?: Record<string, unknown>; generation?: number } = {}): ResourceCommand {
  return {
    key: `systemv0/blockstorage/group1/ns1/${id}`,
    apiType: "systemv0/blockstorage",
    id,
    group: "group1",
    namespace: "ns1",
    annotations: opts.annotations ?? {},
    spec,
    generation: opts.generation ?? 1,
    context: opts.context ?? {},
  };
}

/** An imageentity command in group1 taking disk `diskId` of ns1. */
export function entityCmd(id: string, diskId: string, type: "Local" | "Ceph" = "Local", extra: Record<string, unknown> = {}): ResourceCommand {
  return {
    key: `systemv0/imageentity/group1/${id}`,
    apiType: "systemv0/imageentity",
    id,
    group: "group1",
    annotations: {},
    spec: { source: { namespace: "ns1", blockStorageID: diskId } },
    generation: 1,
    context: { sourceDisk: { key: `systemv0/blockstorage/group1/ns1/${diskId}`, type, state: "Active" }, ...extra },
  };
}

/** `qemu-img info --output=json` of a path, parsed (synchronous; -U so it works under locks). */
export function qemuInfo(path: string, chain = false): Array<Record<string, unknown>> {
  const res = spawnSync("qemu-img", ["info", "-U", "--output=json", ...(chain ? ["--backing-chain"] : []), path], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(res.stderr);
  const out = JSON.parse(res.stdout) as unknown;
  return Array.isArray(out) ? (out as Array<Record<string, unknown>>) : [out as Record<string, unknown>];
}

/** Exit code of `qemu-img compare` (0: same guest-visible content). */
export function qemuCompare(a: string, b: string, fa: string, fb: string): number {
  return spawnSync("qemu-img", ["compare", "-U", "-f", fa, "-F", fb, a, b]).status ?? -1;
}

/** True when `qemu-img info` without -U fails: someone (a running qemu) holds the write lock. */
export function isWriteLocked(path: string): boolean {
  return spawnSync("qemu-img", ["info", "--output=json", path]).status !== 0;
}

/** Starts a paused qemu holding `blockdev` open read-write (a running VM's lock/watch). */
export async function holdDisk(blockdev: string, isLocked: () => boolean): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn("qemu-system-x86_64", ["-machine", "none", "-nodefaults", "-display", "none", "-S", "-blockdev", blockdev], { stdio: "ignore" });
  const release = onExitCleanup(() => void child.kill("SIGKILL"));
  const until = Date.now() + 15_000;
  while (!isLocked()) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`qemu did not take the disk (${blockdev})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    stop: async () => {
      await stopProcess(child, 3_000);
      release();
    },
  };
}

/** A raw image with recognisable random content, `sizeBytes` long. */
export function rawImage(sizeBytes: number): Buffer {
  const b = Buffer.alloc(sizeBytes);
  for (let off = 0; off < sizeBytes; off += 65536) b.write(`humops block at ${off} ${Math.random()}`, off);
  return b;
}
