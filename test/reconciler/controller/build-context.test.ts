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
import { disk, scenarioFiles } from "../../e2e/scenario.js";
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

const cross = suite("buildContext: BaseImage disk on another node than its entity (issue #6)");

const ENTITY = "systemv0/imageentity/gx/tiny1" as ResourceKey;
const SHA = "ab".repeat(32);

function crossInput(o: { downloadAPI?: string; token?: string }): ContextInput {
  const files = { ...scenarioFiles({ group: "gx", imageUrl: "http://198.18.0.1:8080/tiny.qcow2", externalBridge: "hmextbr" }) };
  files["50-disks.yaml"] = [disk("gx", "diska", "node1", { image: "tiny" }), "---", disk("gx", "diskb", "node2", { image: "tiny" })].join("\n");
  const load = makeTreeLoader()(new Map(Object.entries(files)));
  assert.equal(load.diagnostics.filter((d) => d.severity === "error"), []);
  const placement = new Map<ResourceKey, string[]>([...load.resources.keys()].map((k) => [k, [k.includes("diskb") || k.includes("vmb") ? "node2" : "node1"]]));
  const entity: ObservedResource = { key: ENTITY, apiType: "systemv0/imageentity", state: "Available", generation: 1, node: "node1", details: { location: "/d1/images/gx/tiny1.qcow2", sha256: SHA, sizeBytes: 4096 } };
  const node = (name: string, address: string, api?: string) => ({ name, address, capacity: { vcpus: 2, memoryBytes: 1 }, agentVersion: "0", accelerator: "tcg" as const, ready: true, ...(api ? { downloadAPI: api } : {}) });
  return {
    desired: load.resources,
    placement,
    nodes: [node("node1", "198.18.0.2", o.downloadAPI), node("node2", "198.18.0.3", "198.18.0.3:8082")],
    observed: new Map([["node1", new Map([[ENTITY, entity]])], ["node2", new Map()]]),
    ...(o.token ? { downloadToken: o.token } : {}),
  };
}

cross("the disk on node2 is sent node1's download API URL of the entity and the cluster token", () => {
  const i = crossInput({ downloadAPI: "198.18.0.2:8082", token: "cluster-token-1" });
  const diskb = i.desired.get("systemv0/blockstorage/gx/ns1/diskb" as ResourceKey)!;
  const c = parseBlockStorageContext(buildContext(diskb, "node2", i));
  assert.equal(c.baseImage, { entityKey: ENTITY, sha256: SHA, sizeBytes: 4096, source: { node: "node1", url: "http://198.18.0.2:8082/v1/systemv0/imageentity/gx/tiny1" } });
  assert.is(c.downloadToken, "cluster-token-1");
});

cross("the disk on the entity's own node uses the file, with no token", () => {
  const i = crossInput({ downloadAPI: "198.18.0.2:8082", token: "cluster-token-1" });
  const diska = i.desired.get("systemv0/blockstorage/gx/ns1/diska" as ResourceKey)!;
  const c = parseBlockStorageContext(buildContext(diska, "node1", i));
  assert.equal(c.baseImage?.source, { localPath: "/d1/images/gx/tiny1.qcow2" });
  assert.is(c.downloadToken, undefined);
});

cross("the image entity command carries the cluster token its node's API must accept", () => {
  const i = crossInput({ downloadAPI: "198.18.0.2:8082", token: "cluster-token-1" });
  const ie = parseImageEntityContext(buildContext(i.desired.get(ENTITY)!, "node1", i));
  assert.is(ie.downloadToken, "cluster-token-1");
  assert.is(parseImageEntityContext(buildContext(i.desired.get(ENTITY)!, "node1", crossInput({}))).downloadToken, undefined);
});

cross("a holder that registered no download API gives no URL: the agent refuses it as InvalidSpec", () => {
  const i = crossInput({ token: "t" });
  const diskb = i.desired.get("systemv0/blockstorage/gx/ns1/diskb" as ResourceKey)!;
  const raw = buildContext(diskb, "node2", i);
  assert.throws(() => parseBlockStorageContext(raw), (e: unknown) => (e as { code?: string }).code === "INVALID_SPEC");
});

cross.run();
