import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseBlockStorageContext, parseImageEntityContext } from "../../../node-agent/storage/context.js";
import { StorageError } from "../../../node-agent/storage/errors.js";

const ctx = suite("storage contexts");
const sha = "ab".repeat(32);

ctx("blockstorage: base image from another node's URL, token, usedBy", () => {
  const c = parseBlockStorageContext({
    baseImage: { entityKey: "systemv0/imageentity/g/e", sha256: sha, sizeBytes: 10, source: { node: "a", url: "http://127.0.0.1:1/v1/systemv0/imageentity/g/e" } },
    downloadToken: "t",
    usedBy: "systemv0/virtualmachine/g/n/vm",
  });
  assert.equal(c.baseImage?.source, { node: "a", url: "http://127.0.0.1:1/v1/systemv0/imageentity/g/e" });
  assert.is(c.downloadToken, "t");
  assert.is(c.usedBy, "systemv0/virtualmachine/g/n/vm");
  assert.equal(parseBlockStorageContext({}), {});
});

ctx("blockstorage: rbd sources default the snapshot to base", () => {
  const c = parseBlockStorageContext({ baseImage: { entityKey: "systemv0/imageentity/g/e", sha256: sha, sizeBytes: 1, source: { rbd: { image: "hmimg-x.e" } } } });
  assert.equal(c.baseImage?.source, { rbd: { image: "hmimg-x.e", snapshot: "base" } });
});

ctx("malformed contexts are INVALID_SPEC", () => {
  const bad: Array<Record<string, unknown>> = [
    { baseImage: { entityKey: "systemv0/blockstorage/g/n/d", sha256: sha, sizeBytes: 1, source: { localPath: "/x" } } },
    { baseImage: { entityKey: "systemv0/imageentity/g/e", sha256: "xyz", sizeBytes: 1, source: { localPath: "/x" } } },
    { baseImage: { entityKey: "systemv0/imageentity/g/e", sha256: sha, sizeBytes: 0, source: { localPath: "/x" } } },
    { baseImage: { entityKey: "systemv0/imageentity/g/e", sha256: sha, sizeBytes: 1, source: { node: "a" } } },
    { downloadToken: 5 },
  ];
  for (const b of bad) assert.throws(() => parseBlockStorageContext(b), (e: unknown) => e instanceof StorageError && e.code === "INVALID_SPEC");
});

ctx("imageentity: source disk with type and state", () => {
  assert.equal(parseImageEntityContext({ sourceDisk: { key: "systemv0/blockstorage/g/n/d", type: "Ceph", state: "Active" } }), {
    sourceDisk: { key: "systemv0/blockstorage/g/n/d", type: "Ceph", state: "Active" },
  });
  assert.throws(() => parseImageEntityContext({}), /sourceDisk/);
  assert.throws(() => parseImageEntityContext({ sourceDisk: { key: "systemv0/blockstorage/g/n/d", type: "NFS" } }), /Local or Ceph/);
});

ctx.run();
