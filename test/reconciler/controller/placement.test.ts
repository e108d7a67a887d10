import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resourceKey, type ApiType } from "../../../schemas/kinds.js";
import type { DesiredResource } from "../../../reconciler/manifest/types.js";
import type { NodeInfo } from "../../../reconciler/bus/controller-bus.js";
import { placeResources } from "../../../reconciler/controller/placement.js";
import { resourceRequests } from "../../../reconciler/controller/requests.js";

const GiB = 1024 ** 3;

function res(apiType: ApiType, id: string, spec: Record<string, unknown>, annotations?: Record<string, string>): DesiredResource {
  const ref = { apiType, id, group: "g", namespace: "ns" };
  return { ...ref, key: resourceKey(ref), meta: { ...ref, ...(annotations ? { annotations } : {}) }, spec, source: { file: "x.yaml", line: 1, column: 1 }, positions: {} };
}
const vm = (id: string, cpu: string, mem: string, extra: Record<string, unknown> = {}, ann?: Record<string, string>) => res("systemv0/virtualmachine", id, { requestVcpus: cpu, requestMemory: mem, ...extra }, ann);
const node = (name: string, vcpus: number, memGiB: number, ready = true): NodeInfo => ({ name, address: "198.18.0.1", capacity: { vcpus, memoryBytes: memGiB * GiB }, agentVersion: "0", accelerator: "tcg", ready });

const place = suite("placeResources");

place("fits: VMs go to the least loaded node that has room; disks beside their VM; networks where they are used", () => {
  const desired = [
    vm("a", "2", "4G", { blockStorageIDs: ["d1"], nics: [{ networkID: "n1" }] }),
    vm("b", "2", "4G", { nics: [{ networkID: "n1" }] }),
    res("systemv0/blockstorage", "d1", {}),
    res("systemv0/network", "n1", {}),
    res("systemv0/network", "unused", {}),
  ];
  const p = placeResources({ desired, nodes: [node("w1", 4, 8), node("w2", 4, 8)], previous: new Map(), requests: resourceRequests });
  assert.equal(p.nodes.get(desired[0]!.key), ["w1"]);
  assert.equal(p.nodes.get(desired[1]!.key), ["w2"], "least loaded");
  assert.equal(p.nodes.get(desired[2]!.key), ["w1"], "disk beside its VM");
  assert.equal(p.nodes.get(desired[3]!.key), ["w1", "w2"]);
  assert.equal(p.nodes.get(desired[4]!.key), ["w1", "w2"], "an unused network goes to every ready node");
  assert.equal(p.allocated.get("w1"), { vcpus: 2, memoryBytes: 4 * GiB });
  assert.is(p.unschedulable.size, 0);
});

place("sticky: a previous choice is kept even when another node is now less loaded; annotations win", () => {
  const a = vm("a", "1", "1G");
  const b = vm("b", "1", "1G", {}, { "virtualmachinev0/node_name": "w1" });
  const prev = new Map([[a.key, "w1"]]);
  const p = placeResources({ desired: [a, b], nodes: [node("w1", 4, 8), node("w2", 4, 8)], previous: prev, requests: resourceRequests });
  assert.equal(p.nodes.get(a.key), ["w1"]);
  assert.equal(p.nodes.get(b.key), ["w1"]);
});

place("cordoned: never chosen for a new placement, what is already there stays, and Unschedulable says why (issue #14)", () => {
  const stays = vm("stays", "1", "1G");
  const fresh = vm("fresh", "1", "1G");
  const router = res("systemv0/virtualrouter", "r1", {});
  const cordoned = new Map([["w1", "cordoned (humops/cordon at nodes.yaml:1)"]]);
  const p = placeResources({ desired: [stays, fresh, router], nodes: [node("w1", 64, 64), node("w2", 4, 8)], previous: new Map([[stays.key, "w1"]]), requests: resourceRequests, cordoned });
  assert.equal(p.nodes.get(stays.key), ["w1"], "sticky: a cordon moves nothing");
  assert.equal(p.nodes.get(fresh.key), ["w2"], "the emptier node is cordoned: the other one");
  assert.equal(p.nodes.get(router.key), ["w2"]);
  const none = placeResources({ desired: [fresh], nodes: [node("w1", 64, 64)], previous: new Map(), requests: resourceRequests, cordoned });
  assert.is(none.unschedulable.get(fresh.key), "no node fits: w1: cordoned (humops/cordon at nodes.yaml:1)");
});

place("Unschedulable: says what each node lacks", () => {
  const big = vm("big", "4", "4G");
  const p = placeResources({ desired: [vm("a-small", "3", "1G"), big], nodes: [node("w1", 4, 8), node("w2", 8, 2), node("w3", 16, 64, false)], previous: new Map(), requests: resourceRequests });
  assert.is(p.nodes.get(big.key), undefined);
  assert.is(p.unschedulable.get(big.key), "no node fits: w1: needs 4 vCPU, 1 free; w2: needs 4 GiB memory, 2 GiB free; w3: not ready");
});

place("deterministic for the same input", () => {
  const desired = [vm("x", "1", "1G"), vm("y", "1", "1G"), vm("z", "1", "1G")];
  const nodes = [node("w1", 2, 4), node("w2", 2, 4)];
  const a = placeResources({ desired, nodes, previous: new Map(), requests: resourceRequests });
  const b = placeResources({ desired: [...desired].reverse(), nodes: [...nodes].reverse(), previous: new Map(), requests: resourceRequests });
  assert.equal([...a.nodes.entries()].sort(), [...b.nodes.entries()].sort());
});

place.run();
