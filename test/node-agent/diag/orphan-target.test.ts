import { suite } from "uvu";
import * as assert from "uvu/assert";
import { orphanTarget } from "../../../node-agent/diag/orphan-target.js";
import type { NodeEnvironment } from "../../../node-agent/driver.js";
import { bridgeName, routerNetnsName, tapName } from "../../../schemas/host-names.js";

const env: NodeEnvironment = { nodeName: "n", address: "127.0.0.1", dataDir: "/var/lib/humops", blockStorageDir: "/var/lib/humops/blockstorages", imageDir: "/srv/images", ceph: { confPath: "/etc/ceph/ceph.conf", pool: "humops" } };
const br = bridgeName("g", "ns", "net");
const tap = tapName("g", "ns", "vm", 0);
const ns = routerNetnsName("g", "ns", "r");

const T = suite("orphanTarget: only humops objects in the node's own places");

T("accepts every form the drivers report", () => {
  assert.equal(orphanTarget(`link ${br}`, env), { type: "link", name: br });
  assert.equal(orphanTarget(`tap:${tap}`, env), { type: "link", name: tap });
  assert.equal(orphanTarget(`netns ${ns}`, env), { type: "netns", name: ns });
  assert.equal(orphanTarget("nat-rule systemv0/network/g/ns/net", env), { type: "nat-rule", comment: "systemv0/network/g/ns/net" });
  assert.equal(orphanTarget("/var/lib/humops/blockstorages/g/ns/d.qcow2", env), { type: "file", path: "/var/lib/humops/blockstorages/g/ns/d.qcow2" });
  assert.equal(orphanTarget("/srv/images/g/e.qcow2.part", env), { type: "file", path: "/srv/images/g/e.qcow2.part" });
  assert.equal(orphanTarget("vm-dir:/var/lib/humops/vms/abcdefghijklmnop", env), { type: "vm-dir", path: "/var/lib/humops/vms/abcdefghijklmnop" });
  assert.equal(orphanTarget("rbd:humops/hmdisk-abcdefghijkl.d1", env), { type: "rbd", pool: "humops", image: "hmdisk-abcdefghijkl.d1" });
});

T("refuses foreign names, escapes from the stores, other pools and unknown forms", () => {
  const refused = [
    "link eth0",
    "link hmbTOOSHORT",
    `link ${ns}`,
    "tap:tap0",
    "netns myns",
    "nat-rule -j ACCEPT",
    "nat-rule nocomment",
    "/var/lib/humops/blockstorages/../../../etc/passwd.qcow2",
    "/etc/shadow",
    "/var/lib/humops/blockstorages/g/ns/d.raw",
    "/var/lib/humops/blockstorages",
    "vm-dir:/var/lib/humops/vms/../..",
    "vm-dir:/var/lib/humops",
    "rbd:other/hmdisk-abcdefghijkl.d1",
    "rbd:humops/someones-image",
    "relative/path.qcow2",
    "something else",
  ];
  for (const o of refused) assert.is(orphanTarget(o, env).type, "refused", o);
  const { ceph: _c, ...noCeph } = env;
  assert.is(orphanTarget("rbd:humops/hmdisk-abcdefghijkl.d1", noCeph).type, "refused");
});

T.run();
