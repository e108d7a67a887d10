import { createHash } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resolveVmLayout, InvalidVmSpecError } from "../../../node-agent/vm/vm-layout.js";
import { deriveMac, deriveUuid } from "../../../node-agent/vm/identity.js";
import { bridgeName, tapName } from "../../../schemas/host-names.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";

const layout = suite("vm layout");

const cmd = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): ResourceCommand => ({
  key: "systemv0/virtualmachine/g1/ns1/vm1",
  apiType: "systemv0/virtualmachine",
  id: "vm1",
  group: "g1",
  namespace: "ns1",
  annotations,
  generation: 1,
  spec: { requestVcpus: "1000m", limitVcpus: "2000m", requestMemory: "256M", limitMemory: "512M", blockStorageIDs: ["bs1"], actionState: "PowerOn", nics: [{ networkID: "net1", ipv4Address: "10.0.0.1" }], ...spec },
  context: { disks: [{ blockStorageID: "bs1", path: "/data/bs/bs1.qcow2", format: "qcow2" }], networks: { net1: { ipv4CIDR: "10.0.0.0/24" } } },
});

layout("qemu argv: vCPUs from millicores, memory in MiB, virtio disks, a tap per NIC, no VNC", () => {
  const l = resolveVmLayout(cmd({}), { dataDir: "/var/lib/humops" }, "tcg");
  const a = l.argv;
  const after = (flag: string) => a[a.indexOf(flag) + 1];
  assert.is(a[0], "qemu-system-x86_64");
  assert.is(after("-smp"), "2");
  assert.is(after("-m"), "512M");
  assert.is(after("-accel"), "tcg");
  assert.is(after("-uuid"), deriveUuid("systemv0/virtualmachine/g1/ns1/vm1"));
  assert.ok(a.includes("file=/data/bs/bs1.qcow2,if=virtio,format=qcow2,id=disk0"));
  const tap = tapName("g1", "ns1", "vm1", 0);
  assert.ok(a.includes(`tap,id=net0,ifname=${tap},script=no,downscript=no`));
  assert.ok(a.includes(`virtio-net-pci,netdev=net0,mac=${deriveMac("systemv0/virtualmachine/g1/ns1/vm1", 0)}`));
  assert.ok(a.includes("-daemonize") && a.includes("-nodefaults"));
  assert.not.ok(a.some((x) => x.includes("vnc")), "no VNC");
  assert.is(l.nics[0]!.bridge, bridgeName("g1", "ns1", "net1"));
  assert.is(l.seed.nics[0]!.prefix, 24);
});

layout("the serial console: a socket server that also logs; its transport is not in the argv hash", () => {
  const l = resolveVmLayout(cmd({}), { dataDir: "/var/lib/humops" }, "tcg");
  const dir = l.paths.dir;
  const chardev = l.argv[l.argv.indexOf("-chardev") + 1]!;
  assert.is(chardev, `socket,id=console0,path=${dir}/console.sock,server=on,wait=off,logfile=${dir}/console.log,logappend=on`);
  assert.is(l.argv[l.argv.indexOf("-serial") + 1], "chardev:console0");
  // VMs started before the console socket had a log-only chardev: their recorded hash must still match.
  const before = l.argv.map((a) => (a === chardev ? `file,id=console0,path=${dir}/console.log,append=on` : a));
  assert.is(l.argvHash, createHash("sha256").update(before.join("\0")).digest("hex"));
});

layout("MACs: deterministic, locally administered, distinct per NIC; a given MAC wins", () => {
  const m0 = deriveMac("k", 0);
  assert.is(m0, deriveMac("k", 0));
  assert.is.not(m0, deriveMac("k", 1));
  assert.match(m0, /^02(:[0-9a-f]{2}){5}$/);
  const l = resolveVmLayout(cmd({ nics: [{ networkID: "net1", macAddress: "52:54:00:AA:BB:CC" }] }), { dataDir: "/d" }, "kvm");
  assert.is(l.nics[0]!.mac, "52:54:00:aa:bb:cc");
  assert.ok(l.argv.includes("host"), "kvm uses -cpu host");
});

layout("a config change changes the argv hash; power and restart policy are read", () => {
  const a = resolveVmLayout(cmd({}), { dataDir: "/d" }, "tcg");
  const b = resolveVmLayout(cmd({ limitMemory: "1G" }), { dataDir: "/d" }, "tcg");
  assert.is.not(a.argvHash, b.argvHash);
  assert.is(resolveVmLayout(cmd({ loginUsers: [{ username: "x" }] }), { dataDir: "/d" }, "tcg").argvHash, a.argvHash, "users are in the seed, not the argv");
  assert.is(resolveVmLayout(cmd({ actionState: "PowerOff" }), { dataDir: "/d" }, "tcg").powerOn, false);
  assert.is(resolveVmLayout(cmd({}, { "humops/restart-policy": "Auto" }), { dataDir: "/d" }, "tcg").autoRestart, true);
  const requested = resolveVmLayout(cmd({}, { "humops/restart-requested-at": "2026-12-02T09:00:00Z" }), { dataDir: "/d" }, "tcg");
  assert.is(requested.restartRequestedAt, "2026-12-02T09:00:00Z");
  assert.is(requested.argvHash, a.argvHash, "a reboot request is not a configuration change");
  assert.is(a.restartRequestedAt, undefined);
});

layout("refuses what can never work, with a reason", () => {
  assert.throws(() => resolveVmLayout(cmd({ limitVcpus: "1500m" }), { dataDir: "/d" }, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && /limitVcpus/.test(e.message));
  assert.throws(() => resolveVmLayout(cmd({}), { dataDir: "/data,dir" }, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && /','/.test(e.message));
  assert.throws(() => resolveVmLayout(cmd({}), { dataDir: "/" + "x".repeat(120) }, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && /socket/.test(e.message));
  assert.throws(() => resolveVmLayout(cmd({ nics: [{ networkID: "nope" }] }), { dataDir: "/d" }, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && /nope/.test(e.message));
});

const cephCmd = (rbd: Record<string, unknown>): ResourceCommand => ({
  ...cmd({}),
  context: { disks: [{ blockStorageID: "bs1", rbd: { pool: "hm", image: "hmdisk-x.y", ...rbd }, format: "raw" }], networks: { net1: { ipv4CIDR: "10.0.0.0/24" } } },
});

layout("a Ceph disk uses this node's Ceph config and client id, whatever the command says (issue #13)", () => {
  const node = { dataDir: "/d", ceph: { confPath: "/srv/ceph/cluster-b.conf", pool: "hm", user: "humops" } };
  for (const rbd of [{ confPath: "/etc/ceph/ceph.conf" }, { confPath: "/etc/ceph/ceph.conf", user: "admin" }, {}]) {
    const a = resolveVmLayout(cephCmd(rbd), node, "tcg").argv;
    assert.ok(a.includes("file=rbd:hm/hmdisk-x.y:conf=/srv/ceph/cluster-b.conf:id=humops,if=virtio,format=raw,id=disk0"), `${JSON.stringify(rbd)}: ${a.join(" ")}`);
  }
  const noUser = resolveVmLayout(cephCmd({ confPath: "/etc/ceph/ceph.conf", user: "admin" }), { dataDir: "/d", ceph: { confPath: "/srv/c.conf", pool: "hm" } }, "tcg").argv;
  assert.ok(noUser.includes("file=rbd:hm/hmdisk-x.y:conf=/srv/c.conf,if=virtio,format=raw,id=disk0"), noUser.join(" "));
});

layout("a Ceph disk on a node without cephBackend, or with a config path qemu cannot take, is refused", () => {
  assert.throws(() => resolveVmLayout(cephCmd({ confPath: "/etc/ceph/ceph.conf" }), { dataDir: "/d" }, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && /bs1.*cephBackend/.test(e.message));
  for (const confPath of ["/srv/a,b.conf", "/srv/a:b.conf"]) {
    const node = { dataDir: "/d", ceph: { confPath, pool: "hm" } };
    assert.throws(() => resolveVmLayout(cephCmd({}), node, "tcg"), (e: unknown) => e instanceof InvalidVmSpecError && e.message.includes(confPath), confPath);
  }
});

layout.run();
