import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseRbdChildren, parseRbdInfo, parseRbdList, parseRbdWatchers, rbdClone, rbdCreate, rbdResize, rbdSnap } from "../../../node-agent/storage/rbd.js";

const ceph = { confPath: "/etc/ceph/ceph.conf", pool: "rbd" };
const rbd = suite("rbd builders and parsers");

rbd("sizes are exact bytes, never rounded to MiB", () => {
  assert.equal(rbdCreate(ceph, "hmdisk-a.x", 100000).argv, ["rbd", "-c", "/etc/ceph/ceph.conf", "create", "--size", "100000B", "rbd/hmdisk-a.x"]);
  assert.equal(rbdResize({ ...ceph, user: "u" }, "i", 2048).argv, ["rbd", "-c", "/etc/ceph/ceph.conf", "--id", "u", "resize", "--size", "2048B", "rbd/i"]);
});

rbd("snapshots and clones name image@snap", () => {
  assert.equal(rbdSnap(ceph, "protect", "hmimg-a.e", "base").argv, ["rbd", "-c", "/etc/ceph/ceph.conf", "snap", "protect", "rbd/hmimg-a.e@base"]);
  assert.equal(rbdClone(ceph, "hmimg-a.e", "base", "hmdisk-b.d").argv, ["rbd", "-c", "/etc/ceph/ceph.conf", "clone", "rbd/hmimg-a.e@base", "rbd/hmdisk-b.d"]);
});

rbd("parses ls, info, status and children", () => {
  assert.equal(parseRbdList('["a","b"]\n'), ["a", "b"]);
  assert.equal(parseRbdList(""), []);
  const info = parseRbdInfo('{"name":"z","size":67108864,"parent":{"pool":"p","pool_namespace":"","image":"y","snapshot":"base"}}');
  assert.equal(info, { name: "z", sizeBytes: 67108864, parent: { pool: "p", image: "y", snapshot: "base" } });
  assert.is(parseRbdInfo('{"name":"y","size":1}').parent, undefined);
  assert.is(parseRbdWatchers('{"watchers":[{"address":"127.0.0.1:0/1"}]}'), 1);
  assert.is(parseRbdWatchers('{"watchers":[]}'), 0);
  assert.equal(parseRbdChildren('[{"pool":"p","pool_namespace":"","image":"z"}]'), ["z"]);
});

rbd.run();
