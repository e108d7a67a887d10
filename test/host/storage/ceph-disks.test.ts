import { suite } from "uvu";
import * as assert from "uvu/assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { ImageEntityDriver } from "../../../node-agent/storage/imageentity-driver.js";
import { listRetained } from "../../../node-agent/storage/disk-inventory.js";
import { DiskInUseError, StorageError } from "../../../node-agent/storage/errors.js";
import { rbdDiskName, rbdEntityName } from "../../../node-agent/storage/layout.js";
import { storageDoctorChecks } from "../../../node-agent/storage/doctor.js";
import type { DriverContext, NodeEnvironment } from "../../../node-agent/driver.js";
import { startCeph, type TestCeph } from "../../helpers/ceph.js";
import { startHttpFixture, type HttpFixture } from "../../helpers/http-fixture.js";
import { diskCmd, entityCmd, holdDisk, makeCtx, makeEnv, qemuCompare, rawImage } from "./storage-env.js";

const MiB = 1024 * 1024;
const CEPH = { "blockstoragev0/type": "Ceph" };

interface Ctx {
  ceph: TestCeph;
  env: NodeEnvironment;
  ctx: DriverContext;
  fx: HttpFixture;
  disks: BlockStorageDriver;
  entities: ImageEntityDriver;
  src: string;
}
const ceph = suite<Ctx>("Ceph RBD blockstorage and images on a real cluster");

ceph.before(async (c) => {
  c.ceph = await startCeph();
  c.env = makeEnv("c", { confPath: c.ceph.confPath, pool: c.ceph.pool });
  c.ctx = makeCtx(c.env);
  c.fx = await startHttpFixture();
  const img = rawImage(6 * MiB);
  c.src = join(c.env.dataDir, "src.raw");
  writeFileSync(c.src, img);
  c.fx.set("/os.img", { body: img });
  c.disks = new BlockStorageDriver({ now: () => new Date("2026-11-22T09:00:00Z") });
  c.entities = new ImageEntityDriver();
});
ceph.after(async (c) => {
  await c.fx.close();
  await c.ceph.stop();
  rmSync(c.env.dataDir, { recursive: true, force: true });
});

const d = (id: string) => ({ group: "group1", namespace: "ns1", id });
const info = (c: Ctx, image: string) => JSON.parse(c.ceph.rbd("info", "--format", "json", `${c.ceph.pool}/${image}`)) as Record<string, unknown>;
const url = (c: Ctx, image: string) => `rbd:${c.ceph.pool}/${image}:conf=${c.ceph.confPath}`;
const ls = (c: Ctx) => (JSON.parse(c.ceph.rbd("ls", "--format", "json", c.ceph.pool)) as string[]).sort();
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as StorageError).code;
  }
  return "no error";
}

ceph("doctor: the pool is reachable", async (c) => {
  const checks = await storageDoctorChecks(c.env, c.ctx.runner);
  assert.equal(checks.map((k) => [k.name, k.ok]), [["qemu-img", true], ["block storage dir", true], ["image dir", true], ["ceph config", true], ["ceph pool", true]]);
  const broken = await storageDoctorChecks({ ...c.env, ceph: { confPath: c.ceph.confPath, pool: "nosuchpool" } }, c.ctx.runner);
  assert.is(broken.at(-1)?.ok, false);
  assert.ok(broken.at(-1)?.fix);
});

ceph("Empty: an RBD image of exactly limitSize bytes; grow resizes, shrink is refused", async (c) => {
  const o = await c.disks.apply(diskCmd("e1", { limitSize: "100000" }, { annotations: CEPH }), c.ctx);
  assert.is(o.state, "Active");
  assert.is(o.details["location"], `rbd:${c.ceph.pool}/${rbdDiskName(d("e1"))}`);
  assert.is(info(c, rbdDiskName(d("e1")))["size"], 100000);
  await c.disks.apply(diskCmd("e1", { limitSize: "64M" }, { annotations: CEPH }), c.ctx);
  assert.is(info(c, rbdDiskName(d("e1")))["size"], 64 * MiB);
  assert.is(await code(c.disks.apply(diskCmd("e1", { limitSize: "1M" }, { annotations: CEPH }), c.ctx)), "SHRINK_REFUSED");
  assert.is(info(c, rbdDiskName(d("e1")))["size"], 64 * MiB);
});

ceph("HTTP: downloaded, converted into the pool under a .part name, renamed, same content", async (c) => {
  await c.disks.apply(diskCmd("h1", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/os.img") } } }, { annotations: CEPH }), c.ctx);
  assert.is(info(c, rbdDiskName(d("h1")))["size"], 8 * MiB);
  assert.is(qemuCompare(c.src, url(c, rbdDiskName(d("h1"))), "raw", "raw"), 0);
  c.fx.set("/gone.img", { body: Buffer.alloc(1), status: 404 });
  assert.is(await code(c.disks.apply(diskCmd("h404", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/gone.img") } } }, { annotations: CEPH }), c.ctx)), "DOWNLOAD_HTTP_STATUS");
  assert.not.ok(ls(c).some((n) => n.includes(".h404") || n.endsWith(".part")));
});

ceph("an entity is a copy with a protected snapshot; BaseImage disks are clones of it", async (c) => {
  const ent = await c.entities.apply(entityCmd("ent1", "h1", "Ceph"), c.ctx);
  assert.is(ent.state, "Available");
  const name = rbdEntityName({ group: "group1", id: "ent1" });
  assert.is(ent.details["location"], `rbd:${c.ceph.pool}/${name}@base`);
  assert.match(String(ent.details["sha256"]), /^[0-9a-f]{64}$/);
  const base = { entityKey: ent.key, sha256: ent.details["sha256"], sizeBytes: ent.details["sizeBytes"], source: { rbd: { image: name, snapshot: "base" } } };
  const o = await c.disks.apply(diskCmd("c1", { limitSize: "16M", from: { type: "BaseImage", baseImage: { imageName: "i", tag: "t" } } }, { annotations: CEPH, context: { baseImage: base } }), c.ctx);
  assert.equal(o.details["backingChain"], [`rbd:${c.ceph.pool}/${name}@base`]);
  const parent = info(c, rbdDiskName(d("c1")))["parent"] as Record<string, unknown>;
  assert.equal([parent["pool"], parent["image"], parent["snapshot"]], [c.ceph.pool, name, "base"]);
  assert.is(info(c, rbdDiskName(d("c1")))["size"], 16 * MiB);
  assert.is(qemuCompare(c.src, url(c, rbdDiskName(d("c1"))), "raw", "raw"), 0);
  assert.is(await code(c.entities.remove(entityCmd("ent1", "h1", "Ceph"), c.ctx)), "DISK_IN_USE");
});

ceph("a Ceph disk can be built from a Local entity (imported into the pool)", async (c) => {
  await c.disks.apply(diskCmd("l1", { limitSize: "8M", from: { type: "HTTP", http: { url: c.fx.url("/os.img") } } }), c.ctx);
  const ent = await c.entities.apply(entityCmd("lent", "l1", "Local"), c.ctx);
  const base = { entityKey: ent.key, sha256: ent.details["sha256"], sizeBytes: ent.details["sizeBytes"], source: { localPath: join(c.env.imageDir, "group1", "lent.qcow2") } };
  await c.disks.apply(diskCmd("fromlocal", { limitSize: "8M", from: { type: "BaseImage", baseImage: { imageName: "i", tag: "t" } } }, { annotations: CEPH, context: { baseImage: base } }), c.ctx);
  assert.is(qemuCompare(c.src, url(c, rbdDiskName(d("fromlocal"))), "raw", "raw"), 0);
  await c.disks.remove(diskCmd("l1", { limitSize: "8M" }), c.ctx);
  await c.entities.remove(entityCmd("lent", "l1"), c.ctx);
});

ceph("in use: a qemu holding the image makes it Used and removal is refused", async (c) => {
  const cmd = diskCmd("e1", { limitSize: "64M" }, { annotations: CEPH });
  const image = rbdDiskName(d("e1"));
  const watched = () => (JSON.parse(c.ceph.rbd("status", "--format", "json", `${c.ceph.pool}/${image}`)) as { watchers: unknown[] }).watchers.length > 0;
  const qemu = await holdDisk(`driver=raw,node-name=d0,file.driver=rbd,file.pool=${c.ceph.pool},file.image=${image},file.conf=${c.ceph.confPath}`, watched);
  try {
    assert.is((await c.disks.inventory(c.ctx, [cmd])).resources[0]?.state, "Used");
    try {
      await c.disks.remove(cmd, c.ctx);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, DiskInUseError);
    }
    assert.ok(ls(c).includes(image));
  } finally {
    await qemu.stop();
  }
});

ceph("Retain renames aside; removing everything leaves only the retained image", async (c) => {
  await c.disks.remove(diskCmd("h1", { limitSize: "8M" }, { annotations: { ...CEPH, "humops/deletion-policy": "Retain" } }), c.ctx);
  const retained = await listRetained(c.ctx);
  assert.is(retained.length, 1);
  assert.match(retained[0]!, new RegExp(`^rbd:${c.ceph.pool}/hmretain-[a-z2-7]{12}\\.h1-20261122T090000Z$`));
  assert.is(qemuCompare(c.src, url(c, retained[0]!.split("/")[1]!), "raw", "raw"), 0);
  const stray = "hmdisk-aaaaaaaaaaaa.stray";
  c.ceph.rbd("create", "--size", "1", `${c.ceph.pool}/${stray}`);
  const known = ["e1", "c1", "fromlocal"].map((id) => diskCmd(id, { limitSize: "1M" }, { annotations: CEPH }));
  const inv = await c.disks.inventory(c.ctx, known);
  assert.equal(inv.resources.map((r) => r.state), ["Active", "Active", "Active"]);
  assert.equal(inv.orphans, [`rbd:${c.ceph.pool}/${stray}`]);
  for (const k of known) await c.disks.remove(k, c.ctx);
  await c.entities.remove(entityCmd("ent1", "h1", "Ceph"), c.ctx);
  c.ceph.rbd("rm", `${c.ceph.pool}/${stray}`);
  assert.equal(ls(c), [retained[0]!.split("/")[1]!]);
  assert.equal(await c.entities.inventory(c.ctx, []), { resources: [], orphans: [] });
});

ceph.run();
