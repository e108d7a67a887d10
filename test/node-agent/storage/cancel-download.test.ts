// Issue #11 (CONTRACT 6.1): a disk deleted or changed while it downloads supersedes the
// download. The REAL agent runtime and blockstorage driver (Local backend in a temp dir, a real
// SpawnRunner: qemu-img only, no VM, no network namespace) fetch from a slow local HTTP server;
// commands come over a MemoryBus with protocol 1.3 (accept, then complete asynchronously).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { HttpCache } from "../../../node-agent/storage/http-cache.js";
import type { CommandResult, NodeCommand } from "../../../schemas/protocol/messages.js";
import { startHttpFixture, type HttpFixture } from "../../helpers/http-fixture.js";
import { until } from "../../helpers/until.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const MiB = 1024 * 1024;
const KEY = "systemv0/blockstorage/group1/ns1/dl1" as const;

interface Ctx { dir: string; fx: HttpFixture; bus: MemoryBus; agent: Agent; url: string; sha: string; part: string }


let seq = 0;
function command(c: Ctx, o: { op: "apply" | "delete"; generation: number; limitSize?: string }): NodeCommand {
  return {
    commandId: `c${++seq}`, op: o.op, key: KEY, apiType: "systemv0/blockstorage", id: "dl1", group: "group1", namespace: "ns1",
    annotations: { "blockstoragev0/type": "Local" }, generation: o.generation, incarnation: "life-1", context: {},
    spec: { requestSize: o.limitSize ?? "32M", limitSize: o.limitSize ?? "32M", from: { type: "HTTP", http: { url: c.url, sha256: c.sha } } },
    protocol: "1.3", acceptWithinMs: 50,
  };
}

/** Sends `cmd`; resolves with its final result (from the reply, or its completion when accepted). */
async function run(c: Ctx, cmd: NodeCommand): Promise<CommandResult> {
  const reply = await c.bus.submit("node1", cmd, { timeoutMs: 10_000 });
  if (!("accepted" in reply)) return reply;
  let done: CommandResult | undefined;
  await until(`completion of ${cmd.commandId}`, () => (done = c.bus.operations.find((u) => u.commandId === cmd.commandId && u.state === "Done")?.result) !== undefined, 60_000, 20);
  return done!;
}

async function setup(): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), "humops-cancel-dl-"));
  const fx = await startHttpFixture();
  const body = Buffer.alloc(16 * MiB, 7);
  fx.set("/big.img", { body, etag: '"big"', slow: { chunkBytes: 64 * 1024, chunkDelayMs: 20 } });
  const bus = new MemoryBus();
  const agent = await startAgent({ config: testAgentSettings(dir, { address: "127.0.0.1", blockStorageSubdir: "blockstorages", imageSubdir: "images" }), bus: bus.connectAgent(), drivers: [new BlockStorageDriver()], runner: new SpawnRunner(), log: pino({ level: "silent" }), accelerator: { accelerator: "tcg", reason: "test" }, operationHeartbeatMs: 200 });
  const url = fx.url("/big.img");
  const part = join(new HttpCache(dir).dirOf(url), "body.part");
  return { dir, fx, bus, agent, url, sha: createHash("sha256").update(body).digest("hex"), part };
}

async function teardown(c: Ctx): Promise<void> {
  await c.agent.stop();
  await c.fx.close();
  rmSync(c.dir, { recursive: true, force: true });
}

const partSize = (c: Ctx): number => (existsSync(c.part) ? statSync(c.part).size : 0);
const diskDir = (c: Ctx): string => join(c.dir, "blockstorages", "group1", "ns1");

const S = suite("a download superseded mid-way (real blockstorage driver)");

S("a delete mid-download aborts it: the delete succeeds, the part file is gone, nothing is left in the disk dir", async () => {
  const c = await setup();
  try {
    const create = command(c, { op: "apply", generation: 1 });
    const reply = await c.bus.submit("node1", create, { timeoutMs: 10_000 });
    assert.ok("accepted" in reply, "a download is accepted, not awaited");
    await until("the download under way", () => partSize(c) >= 512 * 1024, 30_000, 20);
    await until("its progress published", () => c.bus.operations.some((u) => u.commandId === create.commandId && u.progress?.phase === "Downloading" && (u.progress.doneBytes ?? 0) > 0), 10_000, 20);
    await c.agent.resync();
    const seen = (await c.bus.inventories()).get("node1")?.resources.find((r) => r.key === KEY);
    assert.is(seen?.state, "Downloading");
    assert.is((seen?.details["progress"] as { phase?: string } | undefined)?.phase, "Downloading", "the inventory (nodectl ls) shows the progress");
    const del = await run(c, command(c, { op: "delete", generation: 1 }));
    assert.ok(del.ok, JSON.stringify(del));
    const first = c.bus.operations.find((u) => u.commandId === create.commandId && u.state === "Done")?.result;
    assert.is(first?.ok, false);
    assert.is(first?.reason, "Superseded");
    assert.not.ok(existsSync(c.part), "the part file is removed");
    assert.not.ok(existsSync(`${c.part}.json`), "its resume record too");
    assert.equal(existsSync(diskDir(c)) ? readdirSync(diskDir(c)) : [], [], "nothing in the disk dir");
    await until("the server saw the client go away", () => c.fx.requests.some((r) => r.transfer.ended === "aborted"), 10_000, 20);
    assert.ok(c.fx.requests.every((r) => r.transfer.sent < 16 * MiB), "the body was never read to its end");
  } finally {
    await teardown(c);
  }
});

S("a spec change mid-download supersedes it and the new generation downloads from the start", async () => {
  const c = await setup();
  try {
    const first = command(c, { op: "apply", generation: 1 });
    assert.ok("accepted" in (await c.bus.submit("node1", first, { timeoutMs: 10_000 })));
    await until("the download under way", () => partSize(c) >= 512 * 1024, 30_000, 20);
    const changed = await run(c, command(c, { op: "apply", generation: 2, limitSize: "64M" }));
    assert.ok(changed.ok, JSON.stringify(changed));
    assert.is(changed.observed?.generation, 2);
    const old = c.bus.operations.find((u) => u.commandId === first.commandId && u.state === "Done")?.result;
    assert.is(old?.reason, "Superseded");
    assert.equal(readdirSync(diskDir(c)), ["dl1.qcow2"]);
    assert.is(c.fx.requests.filter((r) => r.path === "/big.img").length, 2, "downloaded again after the change");
    assert.not.ok(existsSync(c.part), "no part file left");
  } finally {
    await teardown(c);
  }
});

S.run();
