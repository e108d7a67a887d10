import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  entityPath,
  isHumopsRbdName,
  isSafeIdPart,
  localDiskPath,
  rbdDiskName,
  rbdEntityName,
  retainStamp,
  retainedDiskPath,
} from "../../../node-agent/storage/layout.js";
import { StorageError } from "../../../node-agent/storage/errors.js";

const layout = suite("storage layout");
const d = { group: "group1", namespace: "ns1", id: "bs1" };

layout("Local paths are readable and deterministic", () => {
  assert.is(localDiskPath("/var/lib/humops/disks", d), "/var/lib/humops/disks/group1/ns1/bs1.qcow2");
  assert.is(entityPath("/img", { group: "group1", id: "e.1" }), "/img/group1/e.1.qcow2");
  assert.is(retainedDiskPath("/b", d, "20261122T083000Z"), "/b/.retained/group1/ns1/bs1-20261122T083000Z.qcow2");
});

layout("unsafe ids never reach a path", () => {
  for (const bad of ["..", "a/b", ".hidden", "a..b", "", "-x", "a b"]) {
    assert.not.ok(isSafeIdPart(bad), bad);
    assert.throws(() => localDiskPath("/b", { ...d, id: bad }), (e: unknown) => e instanceof StorageError && e.code === "INVALID_SPEC");
  }
});

layout("RBD names are humops-recognisable, distinct per identity and kind", () => {
  const a = rbdDiskName(d);
  assert.match(a, /^hmdisk-[a-z2-7]{12}\.bs1$/);
  assert.is.not(a, rbdDiskName({ ...d, namespace: "ns2" }));
  assert.match(rbdEntityName({ group: "group1", id: "bs1" }), /^hmimg-[a-z2-7]{12}\.bs1$/);
  assert.ok(isHumopsRbdName(a));
  assert.not.ok(isHumopsRbdName("vm-100-disk-0"));
});

layout("retain stamps are compact UTC", () => {
  assert.is(retainStamp(new Date("2026-11-22T08:30:00.123Z")), "20261122T083000Z");
});

layout.run();
