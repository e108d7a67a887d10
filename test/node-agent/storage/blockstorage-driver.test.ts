import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { rbdDiskName } from "../../../node-agent/storage/layout.js";
import { DiskInUseError, StorageError } from "../../../node-agent/storage/errors.js";
import type { DriverContext, NodeEnvironment } from "../../../node-agent/driver.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";

const root = mkdtempSync(join(tmpdir(), "hm-bsd-"));
const env: NodeEnvironment = {
  nodeName: "n1",
  address: "127.0.0.1",
  dataDir: root,
  blockStorageDir: join(root, "bs"),
  imageDir: join(root, "img"),
  ceph: { confPath: "/etc/ceph/ceph.conf", pool: "rbd" },
};
const ctxOf = (runner: RecordingRunner): DriverContext => ({ runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: env });
const cmd = (spec: Record<string, unknown>, context: Record<string, unknown> = {}): ResourceCommand => ({
  key: "systemv0/blockstorage/g/n/d1",
  apiType: "systemv0/blockstorage",
  id: "d1",
  group: "g",
  namespace: "n",
  annotations: { "blockstoragev0/type": "Ceph" },
  spec,
  generation: 4,
  context,
});
const NAME = rbdDiskName({ group: "g", namespace: "n", id: "d1" });
const RBD = ["rbd", "-c", "/etc/ceph/ceph.conf"];

const driver = suite("BlockStorageDriver with a RecordingRunner (Ceph)");

driver("Empty: info (absent), create with exact bytes, info + status; reports Active", async () => {
  let created = false;
  const runner = new RecordingRunner()
    .on([...RBD, "info", "--format", "json", `rbd/${NAME}`], () => (created ? { stdout: `{"name":"${NAME}","size":1073741824}` } : { exitCode: 2, stderr: "rbd: error opening image: (2) No such file or directory" }))
    .on([...RBD, "create", "--size", "1073741824B", `rbd/${NAME}`], () => ((created = true), {}))
    .on([...RBD, "status", "--format", "json", `rbd/${NAME}`], { stdout: '{"watchers":[]}' });
  const o = await new BlockStorageDriver().apply(cmd({ limitSize: "1G" }), ctxOf(runner));
  assert.equal(runner.argvs.map((a) => a[3]), ["info", "create", "info", "status"]);
  assert.equal(o, {
    key: "systemv0/blockstorage/g/n/d1",
    apiType: "systemv0/blockstorage",
    state: "Active",
    generation: 4,
    node: "n1",
    spec: { limitSize: "1G" },
    details: { type: "Ceph", location: `rbd:rbd/${NAME}`, format: "raw", virtualSizeBytes: 1073741824, backingChain: [] },
  });
});

driver("an existing smaller disk is grown with rbd resize; usedBy makes it Used", async () => {
  let size = 1024 ** 3;
  const runner = new RecordingRunner()
    .on([...RBD, "info", "--format", "json", `rbd/${NAME}`], () => ({ stdout: `{"name":"${NAME}","size":${size}}` }))
    .on([...RBD, "resize", "--size", "2147483648B", `rbd/${NAME}`], () => ((size = 2 * 1024 ** 3), {}))
    .on([...RBD, "status", "--format", "json", `rbd/${NAME}`], { stdout: '{"watchers":[]}' });
  const o = await new BlockStorageDriver().apply(cmd({ limitSize: "2G" }, { usedBy: "systemv0/virtualmachine/g/n/vm" }), ctxOf(runner));
  assert.ok(runner.argvs.some((a) => a[3] === "resize"));
  assert.is(o.state, "Used");
  assert.is(o.details["usedBy"], "systemv0/virtualmachine/g/n/vm");
});

driver("remove refuses a watched image and runs no rm", async () => {
  const runner = new RecordingRunner()
    .on([...RBD, "info", "--format", "json", `rbd/${NAME}`], { stdout: `{"name":"${NAME}","size":1}` })
    .on([...RBD, "status", "--format", "json", `rbd/${NAME}`], { stdout: '{"watchers":[{"address":"x"}]}' });
  try {
    await new BlockStorageDriver().remove(cmd({ limitSize: "1G" }), ctxOf(runner));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DiskInUseError);
    assert.is((e as DiskInUseError).code, "DISK_IN_USE");
  }
  assert.not.ok(runner.argvs.some((a) => a[3] === "rm"));
});

driver("Ceph without configuration is a terminal error, reported by inventory as Error", async () => {
  const d = new BlockStorageDriver();
  const noCeph = { ...ctxOf(new RecordingRunner()), node: { ...env, ceph: undefined } as unknown as NodeEnvironment };
  try {
    await d.apply(cmd({ limitSize: "1G" }), noCeph);
    assert.unreachable();
  } catch (e) {
    assert.is((e as StorageError).code, "CEPH_NOT_CONFIGURED");
    assert.ok((e as StorageError).terminal);
  }
});

driver.after(() => rmSync(root, { recursive: true, force: true }));
driver.run();
