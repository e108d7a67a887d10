import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { listRetained } from "../../../node-agent/storage/disk-inventory.js";
import { DiskInUseError, ShrinkRefusedError, StorageError } from "../../../node-agent/storage/errors.js";
import type { DriverContext, NodeEnvironment } from "../../../node-agent/driver.js";
import { startHttpFixture, type HttpFixture } from "../../helpers/http-fixture.js";
import { diskCmd, holdDisk, isWriteLocked, makeCtx, makeEnv, qemuCompare, qemuInfo, rawImage } from "./storage-env.js";

const MiB = 1024 * 1024;
const image = rawImage(8 * MiB);
const imageSha = createHash("sha256").update(image).digest("hex");

interface Ctx {
  env: NodeEnvironment;
  ctx: DriverContext;
  fx: HttpFixture;
  driver: BlockStorageDriver;
  states: string[];
  src: string;
}
const local = suite<Ctx>("Local blockstorage on the real host");

local.before(async (c) => {
  c.env = makeEnv("a");
  c.ctx = makeCtx(c.env);
  c.fx = await startHttpFixture();
  c.fx.set("/disk.img", { body: image, etag: '"img1"' });
  c.states = [];
  c.driver = new BlockStorageDriver({ onState: (_k, s) => void (c.states.at(-1) !== s && c.states.push(s)), now: () => new Date("2026-11-22T08:30:00Z") });
  c.src = join(c.env.dataDir, "src.raw");
  writeFileSync(c.src, image);
});
local.after(async (c) => {
  await c.fx.close();
  rmSync(c.env.dataDir, { recursive: true, force: true });
});

const pathOf = (c: Ctx, id: string) => join(c.env.blockStorageDir, "group1", "ns1", `${id}.qcow2`);
async function failure(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, StorageError);
    return e as StorageError;
  }
  throw new Error("expected a StorageError");
}

local("Empty: a qcow2 of exactly limitSize; growing resizes; shrinking is refused", async (c) => {
  const o = await c.driver.apply(diskCmd("empty", { limitSize: "64M" }), c.ctx);
  assert.is(o.state, "Active");
  assert.is(o.details["location"], pathOf(c, "empty"));
  assert.is(qemuInfo(pathOf(c, "empty"))[0]!["virtual-size"], 64 * MiB);
  assert.is(qemuInfo(pathOf(c, "empty"))[0]!["format"], "qcow2");
  const grown = await c.driver.apply(diskCmd("empty", { limitSize: "96M" }, { generation: 2 }), c.ctx);
  assert.is(grown.details["virtualSizeBytes"], 96 * MiB);
  const err = await failure(c.driver.apply(diskCmd("empty", { limitSize: "32M" }, { generation: 3 }), c.ctx));
  assert.instance(err, ShrinkRefusedError);
  assert.is(err.code, "SHRINK_REFUSED");
  assert.ok(err.terminal);
  assert.is(qemuInfo(pathOf(c, "empty"))[0]!["virtual-size"], 96 * MiB);
});

local("HTTP: streamed, sha256-checked, converted to qcow2 of limitSize with the same content", async (c) => {
  c.states.length = 0;
  const o = await c.driver.apply(diskCmd("web", { limitSize: "16M", from: { type: "HTTP", http: { url: c.fx.url("/disk.img"), sha256: imageSha } } }), c.ctx);
  assert.is(o.state, "Active");
  assert.equal(c.states, ["Pending", "Downloading", "Copying"]);
  const info = qemuInfo(pathOf(c, "web"))[0]!;
  assert.is(info["format"], "qcow2");
  assert.is(info["virtual-size"], 16 * MiB);
  assert.is(qemuCompare(c.src, pathOf(c, "web"), "raw", "qcow2"), 0);
  assert.not.ok(existsSync(`${pathOf(c, "web")}.part`));
});

local("HTTP: a second disk from the same URL revalidates the cache (304), no second transfer", async (c) => {
  const before = c.fx.requests.length;
  await c.driver.apply(diskCmd("web2", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/disk.img") } } }), c.ctx);
  assert.is(c.fx.requests.length, before + 1);
  assert.is(c.fx.requests.at(-1)?.status, 304);
  assert.is(qemuCompare(c.src, pathOf(c, "web2"), "raw", "qcow2"), 0);
});

local("HTTP 404, truncated body, wrong sha256: Error with a reason, never an Active disk", async (c) => {
  c.fx.set("/gone.img", { body: image, status: 404 });
  c.fx.set("/cut.img", { body: image, truncateAt: 2 * MiB });
  c.fx.set("/bad.img", { body: image, wrongContent: rawImage(image.length) });
  const cases = [
    ["e404", "/gone.img", undefined, "DOWNLOAD_HTTP_STATUS", "DownloadHttpStatus"],
    ["ecut", "/cut.img", undefined, "DOWNLOAD_TRUNCATED", "DownloadTruncated"],
    ["esha", "/bad.img", imageSha, "DOWNLOAD_CHECKSUM", "DownloadChecksumMismatch"],
  ] as const;
  const cmds = cases.map(([id, path, sha]) => diskCmd(id, { limitSize: "16M", from: { type: "HTTP", http: { url: c.fx.url(path), ...(sha ? { sha256: sha } : {}) } } }));
  for (const [i, [id, , , code]] of cases.entries()) {
    const err = await failure(c.driver.apply(cmds[i]!, c.ctx));
    assert.is(err.code, code, id);
    assert.not.ok(existsSync(pathOf(c, id)), `${id}: no disk`);
    assert.not.ok(existsSync(`${pathOf(c, id)}.part`), `${id}: no part`);
  }
  const inv = await c.driver.inventory(c.ctx, cmds);
  assert.equal(inv.resources.map((r) => [r.key.split("/").pop(), r.state, r.reason]), cases.map(([id, , , , reason]) => [id, "Error", reason]));
  assert.ok(inv.resources.every((r) => typeof r.message === "string" && r.message.includes("download of")));
});

local("in use: a running qemu's lock makes the disk Used and removal is refused; usedBy too", async (c) => {
  const cmd = diskCmd("busy", { limitSize: "8M" });
  await c.driver.apply(cmd, c.ctx);
  const qemu = await holdDisk(`driver=qcow2,node-name=d0,file.driver=file,file.filename=${pathOf(c, "busy")}`, () => isWriteLocked(pathOf(c, "busy")));
  try {
    const inv = await c.driver.inventory(c.ctx, [cmd]);
    assert.is(inv.resources[0]?.state, "Used");
    const err = await failure(c.driver.remove(cmd, c.ctx));
    assert.instance(err, DiskInUseError);
    assert.ok(existsSync(pathOf(c, "busy")));
  } finally {
    await qemu.stop();
  }
  const used = diskCmd("busy", { limitSize: "8M" }, { context: { usedBy: "systemv0/virtualmachine/group1/ns1/vm1" } });
  assert.is((await c.driver.apply(used, c.ctx)).state, "Used");
  assert.instance(await failure(c.driver.remove(used, c.ctx)), DiskInUseError);
  await c.driver.remove(cmd, c.ctx);
  assert.not.ok(existsSync(pathOf(c, "busy")));
});

local("Retain keeps the data aside under .retained and reports it", async (c) => {
  const cmd = diskCmd("keep", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/disk.img") } } }, { annotations: { "humops/deletion-policy": "Retain" } });
  await c.driver.apply(cmd, c.ctx);
  await c.driver.remove(cmd, c.ctx);
  const kept = join(c.env.blockStorageDir, ".retained", "group1", "ns1", "keep-20261122T083000Z.qcow2");
  assert.not.ok(existsSync(pathOf(c, "keep")));
  assert.is(qemuCompare(c.src, kept, "raw", "qcow2"), 0);
  assert.equal(await listRetained(c.ctx), [kept]);
});

local("inventory: declared disks with size and allocation; undeclared humops files are orphans", async (c) => {
  mkdirSync(join(c.env.blockStorageDir, "group1", "other"), { recursive: true });
  writeFileSync(join(c.env.blockStorageDir, "group1", "other", "stray.qcow2"), "");
  writeFileSync(join(c.env.blockStorageDir, "group1", "other", "stale.qcow2.part"), "");
  const cmds = [diskCmd("empty", { limitSize: "96M" }), diskCmd("web", { limitSize: "16M" })];
  const inv = await c.driver.inventory(c.ctx, cmds);
  assert.equal(inv.resources.map((r) => [r.key, r.state, r.details["virtualSizeBytes"]]), [
    [cmds[0]!.key, "Active", 96 * MiB],
    [cmds[1]!.key, "Active", 16 * MiB],
  ]);
  assert.ok((inv.resources[1]!.details["allocatedBytes"] as number) > 0);
  assert.ok(inv.orphans.includes(pathOf(c, "web2")));
  assert.ok(inv.orphans.includes(join(c.env.blockStorageDir, "group1", "other", "stray.qcow2")));
  assert.ok(inv.orphans.includes(join(c.env.blockStorageDir, "group1", "other", "stale.qcow2.part")));
  rmSync(join(c.env.blockStorageDir, "group1", "other"), { recursive: true });
});

local("removing everything leaves no humops disk but the retained one", async (c) => {
  for (const id of ["empty", "web", "web2", "e404", "ecut", "esha"]) await c.driver.remove(diskCmd(id, { limitSize: "1M" }), c.ctx);
  const inv = await c.driver.inventory(c.ctx, []);
  assert.equal(inv, { resources: [], orphans: [] });
  assert.equal(readdirSync(join(c.env.blockStorageDir, "group1", "ns1")), []);
  assert.is((await listRetained(c.ctx)).length, 1);
});

local.run();
