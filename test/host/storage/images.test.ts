import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { ImageEntityDriver } from "../../../node-agent/storage/imageentity-driver.js";
import { startDownloadApi, storageFileResolver, type DownloadApi } from "../../../node-agent/storage/download-api.js";
import { DiskInUseError, StorageError } from "../../../node-agent/storage/errors.js";
import { sha256File } from "../../../node-agent/storage/file-io.js";
import type { DriverContext, NodeEnvironment } from "../../../node-agent/driver.js";
import { startHttpFixture, type HttpFixture } from "../../helpers/http-fixture.js";
import { diskCmd, entityCmd, holdDisk, isWriteLocked, makeCtx, makeEnv, qemuCompare, qemuInfo, rawImage } from "./storage-env.js";

const MiB = 1024 * 1024;
const TOKEN = "node-a-download-token";

interface Ctx {
  a: { env: NodeEnvironment; ctx: DriverContext };
  b: { env: NodeEnvironment; ctx: DriverContext };
  fx: HttpFixture;
  api: DownloadApi;
  disks: BlockStorageDriver;
  entities: ImageEntityDriver;
  src: string;
  base: { entityKey: string; sha256: string; sizeBytes: number };
}
const images = suite<Ctx>("image entities and BaseImage disks across two nodes");

images.before(async (c) => {
  const a = makeEnv("a");
  const b = makeEnv("b");
  c.a = { env: a, ctx: makeCtx(a) };
  c.b = { env: b, ctx: makeCtx(b) };
  c.fx = await startHttpFixture();
  const img = rawImage(6 * MiB);
  c.src = join(a.dataDir, "src.raw");
  writeFileSync(c.src, img);
  c.fx.set("/os.img", { body: img });
  c.disks = new BlockStorageDriver();
  c.entities = new ImageEntityDriver();
  c.api = await startDownloadApi({ listenAddress: "127.0.0.1", listenPort: 0, token: TOKEN, resolve: storageFileResolver(a, c.a.ctx.runner) });
});
images.after(async (c) => {
  await c.api.close();
  await c.fx.close();
  rmSync(c.a.env.dataDir, { recursive: true, force: true });
  rmSync(c.b.env.dataDir, { recursive: true, force: true });
});

const diskPath = (env: NodeEnvironment, id: string) => join(env.blockStorageDir, "group1", "ns1", `${id}.qcow2`);

images("an entity waits while its source disk is used, then copies it and records its sha256", async (c) => {
  const src = diskCmd("src", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/os.img") } } });
  await c.disks.apply(src, c.a.ctx);
  const qemu = await holdDisk(`driver=qcow2,node-name=d0,file.driver=file,file.filename=${diskPath(c.a.env, "src")}`, () => isWriteLocked(diskPath(c.a.env, "src")));
  try {
    await c.entities.apply(entityCmd("ent1", "src"), c.a.ctx);
    assert.unreachable("copied a disk held by a running VM");
  } catch (e) {
    assert.instance(e, StorageError);
    assert.is((e as StorageError).code, "SOURCE_NOT_READY");
  } finally {
    await qemu.stop();
  }
  const o = await c.entities.apply(entityCmd("ent1", "src"), c.a.ctx);
  assert.is(o.state, "Available");
  const path = join(c.a.env.imageDir, "group1", "ent1.qcow2");
  assert.is(o.details["sha256"], await sha256File(path));
  assert.is(o.details["sizeBytes"], readFileSync(path).length);
  assert.is(qemuCompare(c.src, path, "raw", "qcow2"), 0);
  c.base = { entityKey: o.key, sha256: String(o.details["sha256"]), sizeBytes: Number(o.details["sizeBytes"]) };
});

images("a BaseImage disk on the same node is an overlay backed by the entity, no copy", async (c) => {
  const entity = join(c.a.env.imageDir, "group1", "ent1.qcow2");
  const cmd = diskCmd("vm1", { limitSize: "32M", from: { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } } }, {
    context: { baseImage: { ...c.base, source: { node: "a", url: c.api.urlOf(c.base.entityKey) } } },
  });
  const o = await c.disks.apply(cmd, c.a.ctx);
  assert.equal(o.details["backingChain"], [entity]);
  const chain = qemuInfo(diskPath(c.a.env, "vm1"), true);
  assert.equal(chain.map((i) => i["filename"]), [diskPath(c.a.env, "vm1"), entity]);
  assert.is(chain[0]!["virtual-size"], 32 * MiB);
  assert.is(chain[0]!["backing-filename-format"], "qcow2");
  assert.ok((chain[0]!["actual-size"] as number) < 1 * MiB, "overlay holds no data");
  assert.is(qemuCompare(c.src, diskPath(c.a.env, "vm1"), "raw", "qcow2"), 0);
});

images("a BaseImage disk on node B fetches the entity through A's download API, verified", async (c) => {
  const cmd = diskCmd("vm2", { limitSize: "16M", from: { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } } }, {
    context: { baseImage: { ...c.base, source: { node: "a", url: c.api.urlOf(c.base.entityKey) } }, downloadToken: TOKEN },
  });
  const o = await c.disks.apply(cmd, c.b.ctx);
  const fetched = join(c.b.env.imageDir, ".bases", `${c.base.sha256}.qcow2`);
  assert.equal(o.details["backingChain"], [fetched]);
  assert.is(await sha256File(fetched), c.base.sha256);
  assert.is(qemuCompare(c.src, diskPath(c.b.env, "vm2"), "raw", "qcow2"), 0);
});

images("a wrong token or a wrong recorded sha256 fails and leaves no disk on B", async (c) => {
  const bad = (id: string, context: Record<string, unknown>) => diskCmd(id, { limitSize: "16M", from: { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } } }, { context });
  const wrongSha = "0".repeat(64);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["tok", { baseImage: { ...c.base, sha256: "1".repeat(64), source: { node: "a", url: c.api.urlOf(c.base.entityKey) } }, downloadToken: "nope" }, "DOWNLOAD_HTTP_STATUS"],
    ["sha", { baseImage: { ...c.base, sha256: wrongSha, source: { node: "a", url: c.api.urlOf(c.base.entityKey) } }, downloadToken: TOKEN }, "DOWNLOAD_CHECKSUM"],
  ];
  for (const [id, ctx, code] of cases) {
    try {
      await c.disks.apply(bad(id, ctx), c.b.ctx);
      assert.unreachable(id);
    } catch (e) {
      assert.is((e as StorageError).code, code, id);
    }
    assert.not.ok(existsSync(diskPath(c.b.env, id)), id);
  }
  assert.not.ok(existsSync(join(c.b.env.imageDir, ".bases", `${wrongSha}.qcow2`)));
});

images("the base fetched on B is removed with the last disk on B built on it, kept while one remains", async (c) => {
  const fetched = join(c.b.env.imageDir, ".bases", `${c.base.sha256}.qcow2`);
  const from = { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } };
  const context = { baseImage: { ...c.base, source: { node: "a", url: c.api.urlOf(c.base.entityKey) } }, downloadToken: TOKEN };
  await c.disks.apply(diskCmd("vm3", { limitSize: "16M", from }, { context }), c.b.ctx);
  await c.disks.remove(diskCmd("vm2", { limitSize: "16M", from }, { context }), c.b.ctx);
  assert.ok(existsSync(fetched), "vm3 still uses the base");
  assert.is(qemuCompare(c.src, diskPath(c.b.env, "vm3"), "raw", "qcow2"), 0);
  await c.disks.remove(diskCmd("vm3", { limitSize: "16M", from }, { context }), c.b.ctx);
  assert.not.ok(existsSync(fetched), "no disk uses the base any more");
  // A disk built again later fetches it again.
  await c.disks.apply(diskCmd("vm2", { limitSize: "16M", from }, { context }), c.b.ctx);
  assert.is(await sha256File(fetched), c.base.sha256);
});

images("an entity backing disks cannot be removed; once they are gone it can", async (c) => {
  const ent = entityCmd("ent1", "src");
  try {
    await c.entities.remove(ent, c.a.ctx);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DiskInUseError);
  }
  assert.is((await c.entities.inventory(c.a.ctx, [ent])).resources[0]?.state, "Available");
  for (const id of ["vm1", "src"]) await c.disks.remove(diskCmd(id, { limitSize: "1M" }), c.a.ctx);
  await c.entities.remove(ent, c.a.ctx);
  await c.disks.remove(diskCmd("vm2", { limitSize: "1M" }), c.b.ctx);
  assert.equal(readdirSync(join(c.b.env.imageDir, ".bases")), [], "B's fetched base (and its resume record) went with its last disk");
  assert.equal(await c.entities.inventory(c.a.ctx, []), { resources: [], orphans: [] });
  assert.equal(await c.disks.inventory(c.a.ctx, []), { resources: [], orphans: [] });
  assert.equal(await c.disks.inventory(c.b.ctx, []), { resources: [], orphans: [] });
  assert.is((await fetch(c.api.urlOf(ent.key), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
});

images.run();
