/**
 * Keeps the controller's context builder in sync with the drivers: every context it builds
 * for the example scenario must pass the agent-side parsers (node-agent/net/context.ts,
 * node-agent/storage/context.ts) and have the VmContext shape (node-agent/vm/context.ts).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readNetworkContext, readRouterContext } from "../../../node-agent/net/context.js";
import { parseBlockStorageContext, parseImageEntityContext } from "../../../node-agent/storage/context.js";
import type { VmContext } from "../../../node-agent/vm/context.js";
import { buildContext, type ContextInput } from "../../../reconciler/controller/build-context.js";
import { makeTreeLoader } from "../../../reconciler/controller/load-tree.js";
import type { ResourceKey } from "../../../schemas/kinds.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";
import { exampleFiles } from "./harness.js";

const ctx = suite("buildContext against the drivers' parsers");

function input(): ContextInput {
  const load = makeTreeLoader()(new Map(Object.entries(exampleFiles())));
  const placement = new Map<ResourceKey, string[]>([...load.resources.keys()].map((k) => [k, ["n1"]]));
  const disk = "systemv0/blockstorage/group1/ns1/bs1" as ResourceKey;
  const obs: ObservedResource = { key: disk, apiType: "systemv0/blockstorage", state: "Active", generation: 1, node: "n1", details: { location: "/var/lib/humops/disks/x.qcow2" } };
  return {
    desired: load.resources,
    placement,
    nodes: [
      { name: "n1", address: "198.18.0.1", capacity: { vcpus: 2, memoryBytes: 1 }, agentVersion: "0", accelerator: "tcg", ready: true },
      { name: "n2", address: "198.18.0.2", capacity: { vcpus: 2, memoryBytes: 1 }, agentVersion: "0", accelerator: "tcg", ready: true },
    ],
    observed: new Map([["n1", new Map([[disk, obs]])]]),
  };
}

ctx("network, router, disk, image entity and VM contexts parse on the agent side", () => {
  const i = input();
  const get = (k: string) => i.desired.get(k as ResourceKey)!;
  const net = buildContext(get("systemv0/network/group1/ns1/net1"), "n1", { ...i, placement: new Map([["systemv0/network/group1/ns1/net1" as ResourceKey, ["n1", "n2"]]]) });
  assert.equal(readNetworkContext("net", net), { peers: ["198.18.0.2"] });
  const vr = readRouterContext("vr", buildContext(get("systemv0/virtualrouter/group1/ns1/vrouter1"), "n1", i));
  assert.is(vr.externalBridge, "hmexbr0");
  assert.is(vr.externalPrefix, 24);
  assert.equal(vr.externalIPs, [{ externalIPID: "eip1", address: "203.0.113.100", prefix: 24, bindInternalIPv4Address: "10.0.0.1" }]);
  assert.equal(vr.networks["net1"], { group: "group1", namespace: "ns1", ipv4CIDR: "10.0.0.0/24" });
  assert.equal(parseBlockStorageContext(buildContext(get("systemv0/blockstorage/group1/ns1/bs1"), "n1", i)), {});
  const ie = parseImageEntityContext(buildContext(get("systemv0/imageentity/group1/ientity1"), "n1", i));
  assert.equal(ie.sourceDisk, { key: "systemv0/blockstorage/group1/ns1/bs1", type: "Local", state: "Active" });
  const vm = buildContext(get("systemv0/virtualmachine/group1/ns1/vm1"), "n1", i) as unknown as VmContext;
  assert.equal(vm.disks, [{ blockStorageID: "bs1", path: "/var/lib/humops/disks/x.qcow2", format: "qcow2" }]);
  assert.equal(vm.networks, { net1: { ipv4CIDR: "10.0.0.0/24" } });
});

ctx.run();
