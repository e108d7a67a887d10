import { suite } from "uvu";
import * as assert from "uvu/assert";
import { diffResource } from "../../../reconciler/diff/diff-resource.js";
import { diffResources, type DiffMemo } from "../../../reconciler/diff/diff-resources.js";
import { applied, desired } from "./make-resource.js";

const NS = { group: "g1", namespace: "ns1" };
const vmSpec = {
  requestVcpus: "1000m",
  limitVcpus: "1000m",
  requestMemory: "1G",
  limitMemory: "1G",
  blockStorageIDs: ["bs1"],
  nics: [{ networkID: "net1", ipv4Address: "198.18.0.10" }],
  actionState: "PowerOn",
};
const vm = desired("systemv0/virtualmachine", "vm1", vmSpec, { ...NS, annotations: { "virtualmachinev0/node_name": "n1" } });

const Diff = suite("diffResource");

Diff("create, delete, nothing", () => {
  assert.is(diffResource(vm, undefined)?.action, "create");
  assert.is(diffResource(vm, undefined)?.node, "n1");
  const del = diffResource(undefined, applied(vm, { node: "n1" }));
  assert.equal([del?.action, del?.destructive, del?.id, del?.group, del?.namespace, del?.node], ["delete", true, "vm1", "g1", "ns1", "n1"]);
  assert.is(diffResource(vm, applied(vm, { node: "n1" })), undefined);
  assert.is(diffResource(undefined, undefined), undefined);
});

Diff("fields the system fills (MAC, uuid, placement) are not drift", () => {
  const observedSpec = { ...vmSpec, uuid: "u-1", nics: [{ ...vmSpec.nics[0], macAddress: "52:54:00:00:00:01" }] };
  assert.is(diffResource(vm, applied(vm, { spec: observedSpec, node: "n1" })), undefined);
  const unplaced = desired("systemv0/virtualmachine", "vm1", vmSpec, NS);
  assert.is(diffResource(unplaced, applied(unplaced, { node: "n7" })), undefined, "no node annotation: the controller's placement stands");
  const pinnedMac = desired("systemv0/virtualmachine", "vm1", { ...vmSpec, nics: [{ ...vmSpec.nics[0], macAddress: "52:54:00:00:00:02" }] }, NS);
  assert.equal(diffResource(pinnedMac, applied(pinnedMac, { spec: observedSpec }))?.fields.map((f) => f.path), ["spec.nics[0].macAddress"]);
});

Diff("a running VM's memory change is an update that needs a restart, unless restart-policy Auto", () => {
  const bigger = desired("systemv0/virtualmachine", "vm1", { ...vmSpec, limitMemory: "2G" }, { ...NS, annotations: { "virtualmachinev0/node_name": "n1" } });
  const c = diffResource(bigger, applied(vm, { state: "Running", node: "n1" }));
  assert.equal([c?.action, c?.restartRequired, c?.destructive], ["update", true, false]);
  assert.equal(c?.fields, [{ path: "spec.limitMemory", pointer: "/spec/limitMemory", old: "1G", new: "2G" }]);
  const auto = desired("systemv0/virtualmachine", "vm1", { ...vmSpec, limitMemory: "2G" }, { ...NS, annotations: { "virtualmachinev0/node_name": "n1", "humops/restart-policy": "Auto" } });
  const a = diffResource(auto, applied(vm, { state: "Running", node: "n1" }));
  assert.equal([a?.restartRequired, a?.autoRestart], [false, true]);
  assert.is(diffResource(bigger, applied(vm, { state: "Stopped", node: "n1" }))?.restartRequired, undefined);
  const powerOff = desired("systemv0/virtualmachine", "vm1", { ...vmSpec, actionState: "PowerOff" }, { ...NS, annotations: { "virtualmachinev0/node_name": "n1" } });
  assert.is(diffResource(powerOff, applied(vm, { state: "Running", node: "n1" }))?.restartRequired, undefined, "a power change needs no restart");
});

Diff("a changed humops/restart-requested-at reboots a running VM in place: an update, never a replace", () => {
  const at = (v: string | undefined, spec: Record<string, unknown> = vmSpec) =>
    desired("systemv0/virtualmachine", "vm1", spec, { ...NS, annotations: { "virtualmachinev0/node_name": "n1", ...(v !== undefined ? { "humops/restart-requested-at": v } : {}) } });
  const running = (d: ReturnType<typeof at>, handled?: string) => applied(d, { state: "Running", node: "n1", details: handled !== undefined ? { lastHandledRestartRequestedAt: handled } : {} });
  const c = diffResource(at("t2"), running(at("t1"), "t1"));
  assert.equal([c?.action, c?.reboot, c?.destructive, c?.restartRequired], ["update", true, false, undefined]);
  assert.equal(c?.fields, [{ path: "meta.annotations.humops/restart-requested-at", pointer: "/meta/annotations/humops~1restart-requested-at", old: "t1", new: "t2" }]);
  assert.is(diffResource(at("t1"), running(at("t1"), "t1")), undefined, "the same value: nothing");
  assert.is(diffResource(at("t1"), running(at("t0"), "t1")), undefined, "already handled (status details win over the last applied annotation)");
  assert.is(diffResource(at(undefined), running(at("t1"), "t1")), undefined, "a removed request asks nothing");
  const first = diffResource(at("t1"), running(at(undefined)));
  assert.equal([first?.reboot, first?.fields[0]?.old], [true, undefined], "first appearance on a running VM: reboot once, like Flux");
  const other = diffResource(at("t1", { ...vmSpec, nics: [{ networkID: "net1", ipv4Address: "198.18.0.11" }] }), running(at("t1"), "t1"));
  assert.equal([other?.action, other?.reboot, other?.restartRequired], ["update", undefined, true], "another edit is no reboot");
  const both = diffResource(at("t2", { ...vmSpec, limitMemory: "2G" }), running(at("t1"), "t1"));
  assert.equal([both?.reboot, both?.restartRequired], [true, true]);
  const stopped = applied(at("t1"), { state: "Stopped", node: "n1", details: { lastHandledRestartRequestedAt: "t1" } });
  assert.equal([diffResource(at("t2"), stopped)?.action, diffResource(at("t2"), stopped)?.reboot], ["update", undefined], "a stopped VM only records the value");
  const off = at("t2", { ...vmSpec, actionState: "PowerOff" });
  assert.is(diffResource(off, running(at("t1"), "t1"))?.reboot, undefined, "powering off: no reboot");
  const moved = desired("systemv0/virtualmachine", "vm1", vmSpec, { ...NS, annotations: { "virtualmachinev0/node_name": "n2", "humops/restart-requested-at": "t2" } });
  assert.equal([diffResource(moved, running(at("t1"), "t1"))?.action, diffResource(moved, running(at("t1"), "t1"))?.reboot], ["replace", undefined], "a replace boots anew");
  const noAnnotations: Parameters<typeof diffResource>[1] = { key: at("t1").key, apiType: "systemv0/virtualmachine", state: "Running", details: {}, spec: vmSpec, node: "n1" };
  assert.is(diffResource(at("t2"), noAnnotations), undefined, "nothing known about what was applied: no reboot claimed");
});

Diff("equal quantities are no change; a disk may grow in place but not shrink", () => {
  const same = desired("systemv0/virtualmachine", "vm1", { ...vmSpec, requestMemory: "1024M", requestVcpus: "1" }, { ...NS, annotations: { "virtualmachinev0/node_name": "n1" } });
  assert.is(diffResource(same, applied(vm, { node: "n1" })), undefined);
  const disk = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "10G", from: { type: "Empty" } }, NS);
  const grow = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "20G", from: { type: "Empty" } }, NS);
  const shrink = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "5G", from: { type: "Empty" } }, NS);
  assert.is(diffResource(grow, applied(disk))?.action, "update");
  assert.is(diffResource(shrink, applied(disk))?.action, "replace");
  const bytes = desired("systemv0/blockstorage", "bs1", { requestSize: 1073741824, limitSize: "10Gi", from: { type: "Empty" } }, NS);
  assert.is(diffResource(bytes, applied(disk)), undefined, "1073741824 = 1G and 10Gi = 10G");
});

Diff("replace fields per kind: disk source and type, network id and type, node move", () => {
  const disk = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "1G", from: { type: "Empty" } }, { ...NS, annotations: { "blockstoragev0/type": "Local" } });
  const http = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "1G", from: { type: "HTTP", http: { url: "http://x/y" } } }, { ...NS, annotations: { "blockstoragev0/type": "Local" } });
  const ceph = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "1G", from: { type: "Empty" } }, { ...NS, annotations: { "blockstoragev0/type": "Ceph" } });
  const r1 = diffResource(http, applied(disk));
  assert.equal([r1?.action, r1?.destructive, r1?.fields.every((f) => f.forcesReplace)], ["replace", true, true]);
  assert.is(diffResource(ceph, applied(disk))?.action, "replace");
  const net = desired("systemv0/network", "net1", { id: "100", ipv4CIDR: "198.18.0.0/24" }, { ...NS, annotations: { "networkv0/network_type": "VXLAN" } });
  const net2 = desired("systemv0/network", "net1", { id: "101", ipv4CIDR: "198.18.0.0/24" }, { ...NS, annotations: { "networkv0/network_type": "VXLAN" } });
  assert.is(diffResource(net2, applied(net))?.action, "replace");
  const moved = diffResource(vm, applied(vm, { node: "n2" }));
  assert.equal([moved?.action, moved?.fields[0]?.path, moved?.fields[0]?.old, moved?.fields[0]?.new], ["replace", "node", "n2", "n1"]);
});

Diff("deletion-policy Retain keeps a disk's data: not destructive", () => {
  const disk = desired("systemv0/blockstorage", "bs1", { requestSize: "1G", limitSize: "1G", from: { type: "Empty" } }, { ...NS, annotations: { "humops/deletion-policy": "Retain" } });
  const c = diffResource(undefined, applied(disk));
  assert.equal([c?.action, c?.retain, c?.destructive], ["delete", true, false]);
});

Diff("humops/ annotations are not drift; a status without spec compares placement only", () => {
  const a = desired("systemv0/virtualmachine", "vm1", vmSpec, { ...NS, annotations: { "virtualmachinev0/node_name": "n1", "humops/restart-policy": "Auto" } });
  assert.is(diffResource(a, applied(vm, { node: "n1" })), undefined);
  const { spec: _spec, ...noSpec } = applied(vm, { node: "n1" });
  assert.is(diffResource(vm, noSpec), undefined);
});

Diff.run();

const Many = suite("diffResources");

Many("sorted by key; the memo reuses unchanged pairs and forgets gone keys", () => {
  const other = desired("corev0/group", "g1", {});
  const desiredMap = new Map([[vm.key, vm], [other.key, other]]);
  const memo: DiffMemo = new Map();
  const first = diffResources(desiredMap, new Map(), memo);
  assert.equal(first.map((c) => c.key), ["corev0/group/g1", vm.key]);
  const again = diffResources(desiredMap, new Map(), memo);
  assert.ok(again[0] === first[0], "the same change object is reused");
  diffResources(new Map([[other.key, other]]), new Map(), memo);
  assert.equal([...memo.keys()], ["corev0/group/g1"]);
});

Many.run();
