import { suite } from "uvu";
import * as assert from "uvu/assert";
import { convertImage, createOverlay, createQcow2, imageInfo, isLockHeld, parseImageInfo, rbdUrl, resizeImage } from "../../../node-agent/storage/qemu-img.js";

const builders = suite("qemu-img builders");

builders("create, overlay, convert, resize, info are exact argv arrays with byte sizes", () => {
  assert.equal(createQcow2("/d/a.qcow2.part", 1073741824).argv, ["qemu-img", "create", "-q", "-f", "qcow2", "/d/a.qcow2.part", "1073741824"]);
  assert.equal(createOverlay("/d/a.part", "/i/b.qcow2", 2048).argv, ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "/i/b.qcow2", "/d/a.part", "2048"]);
  assert.equal(convertImage({ src: "s", srcFormat: "raw", dest: "d", destFormat: "qcow2" }).argv, ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "s", "d"]);
  assert.equal(resizeImage("p", "qcow2", 5).argv, ["qemu-img", "resize", "-q", "-f", "qcow2", "p", "5"]);
  assert.equal(imageInfo("p", { backingChain: true, shared: true }).argv, ["qemu-img", "info", "--output=json", "--backing-chain", "-U", "p"]);
  assert.equal(imageInfo("p").argv, ["qemu-img", "info", "--output=json", "p"]);
});

builders("rbdUrl carries the pool, the conf and the user", () => {
  assert.is(rbdUrl({ confPath: "/etc/ceph/ceph.conf", pool: "rbd" }, "hmdisk-x.a"), "rbd:rbd/hmdisk-x.a:conf=/etc/ceph/ceph.conf");
  assert.is(rbdUrl({ confPath: "/c", pool: "p", user: "humops" }, "i"), "rbd:p/i:conf=/c:id=humops");
});

const parser = suite("parseImageInfo");

const CHAIN = JSON.stringify([
  { "virtual-size": 2147483648, filename: "/b/g/n/d.qcow2", format: "qcow2", "actual-size": 200704, "backing-filename": "/i/g/e.qcow2", "full-backing-filename": "/i/g/e.qcow2", "backing-filename-format": "qcow2" },
  { "virtual-size": 67108864, filename: "/i/g/e.qcow2", format: "qcow2", "actual-size": 1000000 },
]);

parser("reads a backing chain from the top image down", () => {
  const chain = parseImageInfo(CHAIN);
  assert.is(chain.length, 2);
  assert.equal(chain[0], { filename: "/b/g/n/d.qcow2", format: "qcow2", virtualSizeBytes: 2147483648, allocatedBytes: 200704, backingFilename: "/i/g/e.qcow2", backingFormat: "qcow2" });
  assert.is(chain[1]!.backingFilename, undefined);
});

parser("reads a single object (no --backing-chain) and RBD output without actual-size", () => {
  const [one] = parseImageInfo('{"virtual-size": 65536, "filename": "rbd:p/i", "format": "raw"}');
  assert.is(one!.virtualSizeBytes, 65536);
  assert.is(one!.allocatedBytes, undefined);
});

parser("rejects output without the fields it needs", () => {
  assert.throws(() => parseImageInfo('{"filename": "x"}'), /virtual-size/);
});

parser("isLockHeld recognises qemu's write-lock message only", () => {
  assert.ok(isLockHeld('qemu-img: Could not open \'d.qcow2\': Failed to get shared "write" lock\nIs another process using the image [d.qcow2]?'));
  assert.not.ok(isLockHeld("qemu-img: Could not open 'x': No such file or directory"));
});

builders.run();
parser.run();
