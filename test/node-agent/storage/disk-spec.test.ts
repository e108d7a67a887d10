import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseDiskSpec, parseSizeBytes } from "../../../node-agent/storage/disk-spec.js";
import { StorageError } from "../../../node-agent/storage/errors.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";

const cmd = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): ResourceCommand => ({
  key: "systemv0/blockstorage/group1/ns1/bs1",
  apiType: "systemv0/blockstorage",
  id: "bs1",
  group: "group1",
  namespace: "ns1",
  annotations,
  spec,
  generation: 1,
  context: {},
});

const spec = suite("parseDiskSpec");

spec("humstack's README disk: HTTP, Local, 10G = 10 GiB exactly", () => {
  const s = parseDiskSpec(cmd({ requestSize: "1G", limitSize: "10G", from: { type: "HTTP", http: { url: "http://192.168.20.2:8082/focal.img" } } }, { "blockstoragev0/type": "Local" }));
  assert.equal(s, {
    key: "systemv0/blockstorage/group1/ns1/bs1",
    disk: { group: "group1", namespace: "ns1", id: "bs1" },
    type: "Local",
    limitBytes: 10 * 1024 ** 3,
    from: { type: "HTTP", url: "http://192.168.20.2:8082/focal.img" },
    retain: false,
  });
});

spec("Ceph, BaseImage, Retain, sha256 lower-cased", () => {
  const s = parseDiskSpec(cmd({ limitSize: "512M", from: { type: "BaseImage", baseImage: { imageName: "img", tag: "latest" } } }, { "blockstoragev0/type": "Ceph", "humops/deletion-policy": "Retain" }));
  assert.is(s.type, "Ceph");
  assert.is(s.retain, true);
  assert.equal(s.from, { type: "BaseImage", imageName: "img", tag: "latest" });
  const h = parseDiskSpec(cmd({ limitSize: "1M", from: { type: "HTTP", http: { url: "https://x/y", sha256: "A".repeat(64) } } }));
  assert.equal(h.from, { type: "HTTP", url: "https://x/y", sha256: "a".repeat(64) });
});

spec("sizes: K M G T and Ki..Ti are powers of 1024; garbage is an error, never 0", () => {
  assert.is(parseSizeBytes("1K", "f"), 1024);
  assert.is(parseSizeBytes("3Mi", "f"), 3 * 1024 ** 2);
  assert.is(parseSizeBytes("2T", "f"), 2 * 1024 ** 4);
  assert.is(parseSizeBytes("65536", "f"), 65536);
  for (const bad of ["", "1.5G", "10GB", "0", "-1G", "G", "1i", 0, null]) {
    assert.throws(() => parseSizeBytes(bad, "spec.limitSize"), (e: unknown) => e instanceof StorageError && e.code === "INVALID_SPEC" && e.terminal, String(bad));
  }
});

spec("unknown type, policy or source are terminal errors", () => {
  const bad = [
    cmd({ limitSize: "1G" }, { "blockstoragev0/type": "NFS" }),
    cmd({ limitSize: "1G" }, { "humops/deletion-policy": "Keep" }),
    cmd({ limitSize: "1G", from: { type: "BlockStorage" } }),
    cmd({ limitSize: "1G", from: { type: "HTTP", http: { url: "file:///etc/passwd" } } }),
    cmd({ limitSize: "1G", from: { type: "HTTP", http: { url: "http://x", sha256: "abc" } } }),
  ];
  for (const c of bad) assert.throws(() => parseDiskSpec(c), (e: unknown) => e instanceof StorageError && e.code === "INVALID_SPEC");
});

spec.run();
